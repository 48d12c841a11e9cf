/** A problem found in an experiment file, pointing at the place to fix. */
export interface ExperimentIssue {
  file: string;
  line: number;
  column: number;
  message: string;
}

export type MxnErrorCode = 'InvalidExperiment' | 'Backend' | 'Run' | 'Usage' | 'Results';

/** Base of mxn's errors: one readable line in `message`, the original error as `cause`. */
export class MxnError extends Error {
  override readonly name: string = 'MxnError';
  constructor(
    readonly code: MxnErrorCode,
    message: string,
    options?: { cause?: unknown; hint?: string },
  ) {
    super(message, options);
    this.hint = options?.hint;
  }
  readonly hint: string | undefined;
}

/** Every problem found while loading an experiment, reported at once; the CLI exits 2. */
export class ExperimentError extends MxnError {
  override readonly name = 'ExperimentError';
  constructor(readonly issues: ExperimentIssue[]) {
    super('InvalidExperiment', issues.map(formatIssue).join('\n'));
  }
}

export class BackendError extends MxnError {
  override readonly name = 'BackendError';
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super('Backend', `backend: ${message}`, options);
  }
}

export function formatIssue(issue: ExperimentIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`;
}
