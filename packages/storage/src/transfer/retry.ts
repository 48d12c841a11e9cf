import { StoreError } from '../errors.js';
import { networkCode } from '../drivers/cloud-errors.js';

export interface RetryOptions {
  /** Tries per object, the first included. Default 4. */
  attempts?: number;
  /** Delay before the first retry in ms; doubles each time, with jitter. Default 250. */
  baseDelayMs?: number;
  /** Longest delay in ms. Default 8000. */
  maxDelayMs?: number;
}

/** True for errors worth another try: StoreError `Transient`, or a raw network error from a stream. */
export function isTransient(error: unknown): boolean {
  if (error instanceof StoreError || (error as Error)?.name === 'StoreError') return (error as StoreError).code === 'Transient';
  return networkCode(error) !== undefined;
}

/** Runs `action`, retrying transient failures with exponential backoff and jitter. */
export async function withRetry<T>(action: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 8000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await action(attempt);
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error;
      const delay = Math.min(max, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
