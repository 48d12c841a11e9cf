/**
 * Delay before the attempt after `failedAttempt` (1-based): `baseMs · 2^(failedAttempt-1)`, capped at
 * `maxMs`, then scaled by a random factor in [0.5, 1) so that tasks failing together do not retry together.
 */
export function backoffDelay(failedAttempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, failedAttempt - 1));
  return Math.round(exponential * (0.5 + random() / 2));
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
