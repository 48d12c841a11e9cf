/**
 * mxn's own retry policy for the Batch SDK pipeline: @azure/batch 10.2.0 does not retry 429 and
 * retries 500/503 only twice with long waits that ignore Retry-After. This one retries 429, 500, 503
 * and network errors with exponential backoff and jitter, honours Retry-After, and is bounded in
 * attempts and in time.
 */
import { backoffDelay, sleep } from '@mxn/async';
import type { RetryOptions } from './options.js';

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'REQUEST_SEND_ERROR',
]);

interface PipelineResponse {
  status: number;
  headers: { get(name: string): string | undefined };
}
interface PipelineRequest {
  abortSignal?: { aborted: boolean };
}
interface Policy {
  sendRequest(request: PipelineRequest): Promise<PipelineResponse>;
}

/** The wait before retry `attempt` (1-based): Retry-After when given (capped), else base × 2^(attempt-1) × random(0.5..1). */
export function retryDelayMs(
  attempt: number,
  retryAfter: string | undefined,
  options: Required<RetryOptions>,
  random: () => number = Math.random,
): number {
  const fromHeader = parseRetryAfter(retryAfter);
  if (fromHeader !== undefined) return Math.min(fromHeader, options.maxDelayMs);
  return backoffDelay(attempt, { baseMs: options.baseDelayMs, maxMs: options.maxDelayMs, random });
}

/** Retry-After as ms: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function isRetryableError(error: unknown): boolean {
  const e = error as { code?: string; name?: string; cause?: { code?: string } };
  if (e?.name === 'AbortError') return false;
  return NETWORK_CODES.has(e?.code ?? '') || NETWORK_CODES.has(e?.cause?.code ?? '');
}

export const DEFAULT_RETRY: Required<RetryOptions> = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 30_000, maxElapsedMs: 120_000 };

/** A request-policy factory for @azure/ms-rest-js pipelines (put it first, so each attempt is signed afresh). */
export function retryPolicyFactory(
  options: RetryOptions = {},
  onRetry?: (info: { attempt: number; status?: number; delayMs: number }) => void,
) {
  const settings = { ...DEFAULT_RETRY, ...options };
  return {
    create(next: Policy): Policy {
      return {
        async sendRequest(request) {
          const started = Date.now();
          for (let attempt = 1; ; attempt++) {
            let response: PipelineResponse | undefined;
            let failure: unknown;
            try {
              response = await next.sendRequest(request);
            } catch (error) {
              failure = error;
            }
            // The SDK's deserialization throws for error statuses: the status and headers ride on the error.
            const failed = failure as { statusCode?: number; response?: PipelineResponse } | undefined;
            const status = response?.status ?? failed?.statusCode;
            const headers = response?.headers ?? failed?.response?.headers;
            const retryable = status !== undefined ? RETRY_STATUS.has(status) : isRetryableError(failure);
            const delayMs = retryable ? retryDelayMs(attempt, headers?.get('retry-after'), settings) : 0;
            const outOfBudget =
              attempt >= settings.maxAttempts || Date.now() - started + delayMs > settings.maxElapsedMs || request.abortSignal?.aborted;
            if (!retryable || outOfBudget) {
              if (response) return response;
              throw failure;
            }
            onRetry?.({ attempt, ...(status !== undefined ? { status } : {}), delayMs });
            await sleep(delayMs, request.abortSignal instanceof AbortSignal ? request.abortSignal : undefined);
            // Aborted while waiting: the caller learns what went wrong, not just that it gave up.
            if (request.abortSignal?.aborted) {
              if (response) return response;
              throw failure;
            }
          }
        },
      };
    },
  };
}
