import { retry } from '@mxn/async';
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

/** Runs `action`, retrying transient failures with exponential backoff and jitter (`retry` of @mxn/async). */
export function withRetry<T>(action: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  return retry(action, {
    attempts: options.attempts ?? 4,
    baseMs: options.baseDelayMs ?? 250,
    maxMs: options.maxDelayMs ?? 8000,
    isRetryable: isTransient,
  });
}
