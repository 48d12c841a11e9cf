import { backoffDelay } from './backoff.js';
import { sleep } from './sleep.js';

export interface RetryOptions {
  /** Tries in all, the first included. Default 3. */
  attempts?: number;
  /** Wait after the first failure in ms; doubles after each further one (see `backoffDelay`). Default 250. */
  baseMs?: number;
  /** Longest single wait in ms. Default 8000. */
  maxMs?: number;
  /** Random share of each wait, 0–1 (see `backoffDelay`). Default 0.5. */
  jitter?: number;
  /** Gives up, rather than wait, when the wait would end more than this many ms after the first try. Default: no limit. */
  maxElapsedMs?: number;
  /** Which failures are worth another try. Default: every failure. */
  isRetryable?: (error: unknown) => boolean;
  /** Stops retrying once aborted (a wait in progress ends early); the last failure is thrown. */
  signal?: AbortSignal;
  /** Called before each wait: the attempt that failed (1-based), its failure and the wait in ms. */
  onRetry?: (info: { attempt: number; error: unknown; delayMs: number }) => void;
  /** Random source for the jitter. Default `Math.random`; inject one in tests. */
  random?: () => number;
  /** Clock in ms for `maxElapsedMs`. Default `Date.now`; inject one in tests. */
  now?: () => number;
}

/**
 * Runs `fn(attempt)` (attempt is 1-based) until it resolves, retrying retryable failures with
 * exponential backoff and jitter. Throws the last failure once attempts, time or the signal run out,
 * or at once for a failure `isRetryable` refuses.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 3);
  const now = options.now ?? Date.now;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || options.signal?.aborted || !(options.isRetryable?.(error) ?? true)) throw error;
      const delayMs = backoffDelay(attempt, {
        baseMs: options.baseMs ?? 250,
        maxMs: options.maxMs ?? 8000,
        ...(options.jitter !== undefined ? { jitter: options.jitter } : {}),
        ...(options.random ? { random: options.random } : {}),
      });
      if (options.maxElapsedMs !== undefined && now() - started + delayMs > options.maxElapsedMs) throw error;
      options.onRetry?.({ attempt, error, delayMs });
      await sleep(delayMs, options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}
