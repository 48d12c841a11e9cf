import { MxnError, type MxnErrorOptions } from '@mxn/errors';

/** A problem found in an experiment file, pointing at the place to fix. */
export interface ExperimentIssue {
  file: string;
  line: number;
  column: number;
  message: string;
  /**
   * Set when the problem is in this dataset's data alone (too few rows for the split): `validate` and
   * `plan` report it, and a run fails only that dataset's cells (see `LoadOptions.keepDatasetProblems`).
   */
  dataset?: string;
}

/** Every problem found while loading an experiment, reported at once; code `InvalidExperiment`, exit class `input` (the CLI exits 2). */
export class ExperimentError extends MxnError {
  override readonly name = 'ExperimentError';
  constructor(readonly issues: ExperimentIssue[]) {
    super('InvalidExperiment', issues.map(formatIssue).join('\n'), { exitClass: 'input' });
  }
}

/**
 * The codes of a `BackendError`: `Backend` failed on the way (exit class `failure`); `Config` is
 * missing or unusable backend configuration (`input`).
 */
export type BackendErrorCode = 'Backend' | 'Config';

/** A backend's error; the message starts with `backend:`. */
export class BackendError extends MxnError {
  override readonly name = 'BackendError';
  declare readonly code: BackendErrorCode;
  constructor(message: string, options: Omit<MxnErrorOptions, 'exitClass'> & { code?: BackendErrorCode } = {}) {
    const { code = 'Backend', ...rest } = options;
    super(code, `backend: ${message}`, { ...rest, exitClass: code === 'Config' ? 'input' : 'failure' });
  }
}

export function formatIssue(issue: ExperimentIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`;
}
