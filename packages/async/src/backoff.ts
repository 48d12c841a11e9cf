export interface BackoffOptions {
  /** Delay after the first failed attempt, in ms, before jitter; doubles with each further failure. */
  baseMs: number;
  /** Longest delay in ms (the cap applies before jitter, so jitter only shortens). */
  maxMs: number;
  /**
   * Share of the delay that is random, 0–1: the delay is scaled by a factor in [1 − jitter, 1), so that
   * callers failing together do not retry together. Default 0.5 (between half and all of the delay).
   */
  jitter?: number;
  /** Random source in [0, 1). Default `Math.random`; inject one in tests. */
  random?: () => number;
}

/**
 * The wait before the attempt after `failedAttempt` (1-based), in whole ms:
 * `min(maxMs, baseMs · 2^(failedAttempt−1)) · (1 − jitter + jitter · random())`.
 */
export function backoffDelay(failedAttempt: number, options: BackoffOptions): number {
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  const random = options.random ?? Math.random;
  const exponential = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, failedAttempt - 1));
  return Math.max(0, Math.round(exponential * (1 - jitter + jitter * random())));
}
