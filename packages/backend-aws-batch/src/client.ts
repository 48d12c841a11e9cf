/**
 * The Batch client mxn uses, and what its errors say. Retries are the SDK's own: the adaptive retry
 * mode (standard retries plus client-side rate limiting once throttled), `maxAttempts` per call
 * (README: "What the SDK retries").
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { redact } from '@mxn/storage';
import type { AwsBatchBackendOptions } from './options.js';

/** Attempts per call unless the options say otherwise: the SDK's 3 give up too early in a throttling storm. */
export const DEFAULT_MAX_ATTEMPTS = 8;

/** A BatchClient in the SDK's adaptive retry mode; region, endpoint and credentials from the options, else the SDK's standard places. */
export function createBatchClient(
  options: Pick<AwsBatchBackendOptions, 'region' | 'endpoint' | 'credentials' | 'maxAttempts'>,
): BatchClient {
  return new BatchClient({
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

/** The service's error code (`ClientException`, `TooManyRequestsException`, …), when the error is one. */
export function awsErrorCode(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && (error as { $metadata?: unknown }).$metadata !== undefined ? name : undefined;
}

/**
 * One line: `Code (HTTP status, after N attempts): message` (presigned URL signatures masked), so an error the
 * SDK gave up on says whether it was retried.
 */
export function awsErrorText(error: unknown): string {
  const code = awsErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const meta = (error as { $metadata?: { httpStatusCode?: number; attempts?: number } } | undefined)?.$metadata;
  const how = [
    ...(meta?.httpStatusCode ? [`HTTP ${meta.httpStatusCode}`] : []),
    ...(meta?.attempts ? [meta.attempts === 1 ? 'not retried' : `after ${meta.attempts} attempts`] : []),
  ].join(', ');
  const head = code ? `${code}${how ? ` (${how})` : ''}` : '';
  const body = code && message.startsWith(code) ? message.slice(code.length).replace(/^:\s*/, '') : message;
  return redact(head ? `${head}: ${body}` : message).split('\n')[0]!;
}
