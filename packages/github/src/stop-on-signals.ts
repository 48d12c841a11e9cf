/**
 * What the run step does when GitHub stops its job. A cancelled run (a newer push supersedes it,
 * or someone cancels it) gets SIGINT, then SIGTERM: abort, so the backend cancels the cells it runs
 * (local processes, the Batch job) instead of leaving them to run on. A job stopped by GitHub's
 * 6-hour limit gets the same signals; then the run is left on the backend (detached) and a re-run
 * of the workflow re-attaches to it. The two are told apart by the time since the job started.
 */

/** GitHub's limit is 6 hours; past 5 h 50 min a stop is taken as that limit. */
export const DEFAULT_DETACH_AFTER_MS = 350 * 60_000;

export interface StopOnSignalsOptions {
  /** Default `['SIGINT', 'SIGTERM']` (what the runner sends on cancel). */
  signals?: NodeJS.Signals[];
  /**
   * When the job started, in ms since the epoch. Default: `MXN_JOB_STARTED` (seconds, set by the
   * workflow's first step), else when this process started.
   */
  startedAt?: number;
  /** A stop signal later than this after `startedAt` detaches instead of cancelling. Default 5 h 50 min. */
  detachAfterMs?: number;
  log?: (line: string) => void;
  /** Default `Date.now`. */
  now?: () => number;
  /**
   * Default: remove the handlers and raise the signal again, so the process ends as it would
   * without them (the backend's run keeps going).
   */
  onDetach?: (signal: NodeJS.Signals) => void;
  env?: NodeJS.ProcessEnv;
}

export interface StopHandle {
  /** Aborted when a stop signal means "cancel". */
  signal: AbortSignal;
  /** What the first stop signal was taken as, if one came. */
  outcome(): 'cancelled' | 'detached' | undefined;
  /** Removes the handlers. */
  dispose(): void;
}

export function jobStartedAt(env: NodeJS.ProcessEnv = process.env, now = Date.now()): number {
  const seconds = Number(env.MXN_JOB_STARTED);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : now - process.uptime() * 1000;
}

export function stopOnSignals(options: StopOnSignalsOptions = {}): StopHandle {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const now = options.now ?? Date.now;
  const startedAt = options.startedAt ?? jobStartedAt(options.env, now());
  const detachAfter = options.detachAfterMs ?? DEFAULT_DETACH_AFTER_MS;
  const log = options.log ?? (() => {});
  const controller = new AbortController();
  let outcome: 'cancelled' | 'detached' | undefined;
  const dispose = () => {
    for (const name of signals) process.off(name, handler);
  };
  function handler(name: NodeJS.Signals): void {
    if (outcome) return; // the runner's SIGTERM after its SIGINT: already stopping
    if (now() - startedAt > detachAfter) {
      outcome = 'detached';
      log(`${name} near the job's time limit: leaving the run on the backend; re-run the workflow to re-attach and report`);
      if (options.onDetach) options.onDetach(name);
      else {
        dispose();
        process.kill(process.pid, name);
      }
      return;
    }
    outcome = 'cancelled';
    log(`${name}: cancelling the run (the backend stops its cells)`);
    controller.abort(new Error(`stopped by ${name}`));
  }
  for (const name of signals) process.on(name, handler);
  return { signal: controller.signal, outcome: () => outcome, dispose };
}
