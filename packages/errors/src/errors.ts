/**
 * How an error ends a command: `input` when the user can fix what they gave (a bad experiment,
 * usage, a bad URI, something that does not exist or may not be read, missing configuration),
 * `failure` when something failed on the way, `cancelled` when it was stopped.
 */
export type ExitClass = 'input' | 'failure' | 'cancelled';

/** The process exit code of each outcome; every front end (CLI, `sync`, the actions) uses these. */
export const EXIT_CODES = { ok: 0, failure: 1, input: 2, cancelled: 130 } as const satisfies Record<ExitClass | 'ok', number>;

/** The codes thrown with the base class itself (by the CLI, core, the engine and the backends). */
export type MxnErrorCode =
  /** Problems in an experiment file (`ExperimentError`). */
  | 'InvalidExperiment'
  /** A command line, flag or option that cannot be used. */
  | 'Usage'
  /** Configuration that is missing or unusable (an environment variable, a setting). */
  | 'Config'
  /** A results file that cannot be read or is not one. */
  | 'Results'
  /** A backend that failed on the way (`BackendError`). */
  | 'Backend'
  /** A run that failed on the way. */
  | 'Run';

/** The exit class of each base code; codes outside this table are failures unless the thrower says otherwise. */
const BASE_EXIT_CLASSES: Readonly<Record<MxnErrorCode, ExitClass>> = {
  InvalidExperiment: 'input',
  Usage: 'input',
  Config: 'input',
  Results: 'input',
  Backend: 'failure',
  Run: 'failure',
};

export interface MxnErrorOptions {
  /** The original error, shown with `--verbose`. */
  cause?: unknown;
  /** What to do about it, printed after the message as `hint: …`. */
  hint?: string | undefined;
  /** Overrides the class the code gives (default: the base code's class, else `failure`). */
  exitClass?: ExitClass | undefined;
}

/**
 * Base of every mxn error: one readable line in `message`, `code` to branch on, a `hint` where a
 * fix is known, and the `exitClass` that decides the exit code. Subclasses set `name` and choose
 * the class of each of their codes.
 */
export class MxnError extends Error {
  override readonly name: string = 'MxnError';
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitClass: ExitClass;

  constructor(code: MxnErrorCode | (string & {}), message: string, options: MxnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint?.trim() ? options.hint : undefined;
    this.exitClass = options.exitClass ?? (Object.hasOwn(BASE_EXIT_CLASSES, code) ? BASE_EXIT_CLASSES[code as MxnErrorCode] : 'failure');
  }
}

/** What a front end shows of an error, and how it ends the command. */
export interface ErrorDescription {
  message: string;
  hint?: string;
  exitClass: ExitClass;
  code?: string;
}

const EXIT_CLASSES: readonly unknown[] = ['input', 'failure', 'cancelled'] satisfies ExitClass[];

function isAbort(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'AbortError';
}

/** `cause`, then its cause, …: at most 5 deep. */
function causesOf(error: unknown): unknown[] {
  const causes: unknown[] = [];
  for (
    let current = (error as { cause?: unknown } | null)?.cause;
    current !== undefined && current !== null && causes.length < 5;
    current = (current as { cause?: unknown }).cause
  ) {
    causes.push(current);
    if (typeof current !== 'object') break;
  }
  return causes;
}

/**
 * The exit class of anything thrown: an mxn error's own class (also one from another copy of this
 * package, by its `exitClass`); an `AbortError`, or a failure caused by one, is `cancelled`;
 * anything else is a `failure`.
 */
function exitClassOf(error: unknown): ExitClass {
  const claimed = (error as { exitClass?: unknown } | null)?.exitClass;
  const own = error instanceof MxnError ? error.exitClass : EXIT_CLASSES.includes(claimed) ? (claimed as ExitClass) : undefined;
  if (own && own !== 'failure') return own;
  if (isAbort(error) || causesOf(error).some(isAbort)) return 'cancelled';
  return 'failure';
}

/** The one mapping every front end uses: the message, the hint, the exit class and the code of an error. */
export function describeError(error: unknown): ErrorDescription {
  const known = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
    hint?: unknown;
    code?: unknown;
    name?: unknown;
  };
  const message =
    typeof known.message === 'string' && known.message
      ? known.message
      : typeof error === 'string'
        ? error
        : typeof known.name === 'string'
          ? known.name
          : String(error);
  const hint = typeof known.hint === 'string' && known.hint.trim() ? known.hint : undefined;
  const code = typeof known.code === 'string' ? known.code : undefined;
  return { message, ...(hint ? { hint } : {}), exitClass: exitClassOf(error), ...(code ? { code } : {}) };
}

/** The process exit code of an error: `input` 2, `failure` 1, `cancelled` 130. */
export function exitCodeOf(error: unknown): number {
  return EXIT_CODES[exitClassOf(error)];
}

/**
 * The lines a front end prints for an error: the message (one or more lines), `hint: …` when there
 * is one, and with `verbose` the stack and each cause (`cause: …`).
 */
export function formatErrorLines(error: unknown, options: { verbose?: boolean } = {}): string[] {
  const { message, hint } = describeError(error);
  const lines = [...message.split('\n'), ...(hint ? [`hint: ${hint}`] : [])];
  if (options.verbose) {
    const stack = (error as { stack?: unknown } | null)?.stack;
    if (typeof stack === 'string' && stack) lines.push(...stack.split('\n'));
    for (const cause of causesOf(error)) {
      const text =
        typeof (cause as { stack?: unknown }).stack === 'string' ? (cause as { stack: string }).stack : describeError(cause).message;
      lines.push(...`cause: ${text}`.split('\n'));
    }
  }
  return lines;
}
