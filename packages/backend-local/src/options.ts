import { availableParallelism, tmpdir } from 'node:os';

/** Settings of the local backend. Every field is optional. */
export interface LocalBackendOptions {
  /** Tasks running at once when the run's `limits.concurrency` is not a positive number. Default: `os.availableParallelism()`. */
  concurrency?: number;
  /** Delay before the first retry, in ms; it doubles with every further attempt, with jitter (50–100 % of the value). Default 500. */
  retryBaseMs?: number;
  /** Longest delay between two attempts, in ms. Default 30 000. */
  retryMaxMs?: number;
  /** Time between SIGTERM and SIGKILL when a task is stopped (timeout or cancellation), in ms. Default 1000. */
  killGraceMs?: number;
  /** Lines of stderr kept at the end of a failed task's error text. Default 20. */
  stderrTailLines?: number;
  /** Working directory of tasks that have no `buildDir`. Default `process.cwd()`. */
  cwd?: string;
  /** Where the temporary input/output folders of tasks go when the staging store is not a local folder. Default `os.tmpdir()`. */
  tempDir?: string;
  /** Objects moved at once between a remote staging store and a task's temporary folders. Default 8. */
  transferConcurrency?: number;
  /** Names of further variables of this process that tasks may see (beyond PATH, HOME, locale and the like). Default none: credentials never reach a task. */
  passEnv?: string[];
}

export type ResolvedOptions = Required<LocalBackendOptions>;

export function resolveOptions(options: LocalBackendOptions): ResolvedOptions {
  return {
    concurrency: positive(options.concurrency) ?? availableParallelism(),
    retryBaseMs: options.retryBaseMs ?? 500,
    retryMaxMs: options.retryMaxMs ?? 30_000,
    killGraceMs: options.killGraceMs ?? 1000,
    stderrTailLines: options.stderrTailLines ?? 20,
    cwd: options.cwd ?? process.cwd(),
    tempDir: options.tempDir ?? tmpdir(),
    transferConcurrency: positive(options.transferConcurrency) ?? 8,
    passEnv: options.passEnv ?? [],
  };
}

/** `value` when it is a positive number (floored), otherwise undefined. */
export function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : undefined;
}
