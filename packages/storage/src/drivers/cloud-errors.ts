import { StoreError, type StoreErrorCode } from '../errors.js';
import { redact } from '../redact.js';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'REQUEST_SEND_ERROR',
  'ECONNABORTED',
]);

export interface ServiceErrorFacts {
  status?: number;
  /** Service error code (`NoSuchKey`, `BlobNotFound`, …) or Node error code (`ECONNREFUSED`). */
  code?: string;
  message: string;
}

/** Classifies a service error by HTTP status and code. */
export function classify(
  facts: ServiceErrorFacts,
  notFound: readonly string[],
  denied: readonly string[],
  transient: readonly string[],
): StoreErrorCode {
  const { status, code = '' } = facts;
  if (notFound.includes(code) || status === 404) return 'NotFound';
  if (denied.includes(code) || status === 401 || status === 403) return 'AccessDenied';
  if (transient.includes(code) || NETWORK_CODES.has(code) || status === 408 || status === 429 || (status !== undefined && status >= 500))
    return 'Transient';
  return 'Failed';
}

/** Where each cloud driver finds its credentials, for the hint of an `AccessDenied`. */
const ACCESS_HINTS = {
  s3: 'check the S3 credentials (AWS_* variables, a profile or web identity) and that they may use this bucket',
  'azure-blob':
    'check the Blob credentials (AZURE_STORAGE_CONNECTION_STRING, ' +
    'AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY, a SAS, or an Entra ID sign-in) and their role on this container',
};

/**
 * A StoreError whose message and cause hold no secret: the original SDK error (which may carry
 * request headers or signed URLs) is replaced by a plain Error with the redacted facts.
 */
export function safeStoreError(
  code: StoreErrorCode,
  context: string,
  facts: ServiceErrorFacts,
  secrets: readonly (string | undefined)[],
): StoreError {
  const detail = [facts.code, facts.status ? `HTTP ${facts.status}` : undefined].filter(Boolean).join(', ');
  const text = redact(`${context}: ${facts.message.split('\n')[0]}${detail ? ` (${detail})` : ''}`, secrets);
  const cause = Object.assign(new Error(redact(facts.message, secrets)), { code: facts.code, status: facts.status });
  const hint = code === 'AccessDenied' ? ACCESS_HINTS[context.startsWith('s3') ? 's3' : 'azure-blob'] : undefined;
  return new StoreError(code, text, { cause, hint });
}

/** Finds a Node network error code anywhere in an error's cause chain. */
export function networkCode(error: unknown): string | undefined {
  for (
    let current = error as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    current && depth < 5;
    current = current.cause as typeof current, depth++
  ) {
    if (typeof current.code === 'string' && NETWORK_CODES.has(current.code)) return current.code;
    const errors = (current as { errors?: unknown[] }).errors;
    if (Array.isArray(errors))
      for (const inner of errors) {
        const found = networkCode(inner);
        if (found) return found;
      }
  }
  return undefined;
}
