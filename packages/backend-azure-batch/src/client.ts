/** The Batch SDK client with mxn's retry policy in place of the SDK's own. */
import type { TokenCredential } from '@azure/identity';
import { retryPolicyFactory } from './retry-policy.js';
import type { AzureBatchBackendOptions } from './options.js';
import { redact } from '@mxn/storage';

export type BatchClient = import('@azure/batch').BatchServiceClient;

/**
 * The Batch data-plane API version every request carries. `@azure/batch` 10.2.0 sends its own
 * `2022-10-01.16.0` by default; it reads the version from the client object on every call (and
 * rewrites it in next links), so setting it once here switches every operation (see README.md).
 */
export const BATCH_API_VERSION = '2025-06-01';

/** The Batch resource Entra ID tokens are issued for. */
const BATCH_SCOPE = 'https://batch.core.windows.net/.default';

/** Creates a `BatchServiceClient` (SharedKey with `accountKey`, else Entra ID), loading the SDK lazily. */
export async function createBatchClient(
  options: Pick<AzureBatchBackendOptions, 'accountUrl' | 'accountName' | 'accountKey' | 'credential' | 'retry'>,
): Promise<BatchClient> {
  const { BatchServiceClient, BatchSharedKeyCredentials } = await import('@azure/batch');
  const credentials = options.accountKey
    ? new BatchSharedKeyCredentials(options.accountName, options.accountKey)
    : tokenCredentials(options.credential ?? new (await import('@azure/identity')).DefaultAzureCredential());
  const client = new BatchServiceClient(credentials as never, options.accountUrl, {
    noRetryPolicy: true,
    // Our retry policy goes first (outermost), so every attempt is signed again with a fresh date.
    requestPolicyFactories: (defaults: unknown[]) => [retryPolicyFactory(options.retry), contentLengthPolicyFactory, ...defaults],
  } as never);
  // The URL (query included) is built before the pipeline runs, so SharedKey signs the new version.
  client.apiVersion = BATCH_API_VERSION;
  return client;
}

interface LengthRequest {
  body?: unknown;
  headers: { get(name: string): string | undefined; set(name: string, value: string | number): void };
}

/**
 * Sets `Content-Length` of string bodies before the request is signed. The SDK's SharedKey signer
 * otherwise measures the body with a pure-JS UTF-8 encoder (~3 ms per 100-task add-collection body,
 * plus the garbage); with the header present it signs the header's value — the same number.
 */
const contentLengthPolicyFactory = {
  create(next: { sendRequest(request: LengthRequest): Promise<unknown> }) {
    return {
      sendRequest(request: LengthRequest) {
        if (typeof request.body === 'string' && !request.headers.get('content-length'))
          request.headers.set('content-length', Buffer.byteLength(request.body));
        return next.sendRequest(request);
      },
    };
  },
};

/** ServiceClientCredentials over an Entra ID TokenCredential. */
function tokenCredentials(credential: TokenCredential) {
  return {
    async signRequest<T extends { headers: { set(name: string, value: string): void } }>(request: T): Promise<T> {
      const token = await credential.getToken(BATCH_SCOPE);
      if (!token) throw new Error('azure-batch: no Entra ID token for Batch');
      request.headers.set('authorization', `Bearer ${token.token}`);
      return request;
    },
  };
}

/** The service's error code of a failed SDK call (`TaskExists`, `JobNotFound`, …). */
export function batchErrorCode(error: unknown): string | undefined {
  const e = error as { code?: string; body?: { code?: string } };
  return e?.body?.code ?? e?.code;
}

function batchStatus(error: unknown): number | undefined {
  return (error as { statusCode?: number })?.statusCode;
}

/**
 * A short readable reason of a failed SDK call (no request details, so no secrets): status, code, the
 * message's first line, and what the service's `values` name: the property, query parameter or header
 * with its value when given (`PropertyName`/`QueryParameterName`/`HeaderName` and `…Value`), and the
 * `Reason`, e.g. `400 InvalidQueryParameterValue Value for one of the query parameters specified in the
 * request URI is invalid. (api-version=2022-10-01.16.0)` — as pool creation answers for a retired image
 * or any call for an api-version the service does not accept. SAS signatures are masked in all of it.
 */
export function batchErrorText(error: unknown): string {
  const e = error as {
    body?: { code?: string; message?: { value?: string } | string; values?: Array<{ key?: string; value?: string }> };
    message?: string;
    statusCode?: number;
  };
  const raw = typeof e?.body?.message === 'object' ? e.body.message.value : (e?.body?.message ?? e?.message);
  // A network error names the whole request first (`request to <url> failed, reason: …`): its reason is the news.
  const first = String(raw ?? 'unknown error')
    .split('\n')[0]!
    .replace(/^request to \S+ failed, reason: /, '');
  const code = batchErrorCode(error);
  const values = Array.isArray(e?.body?.values) ? e.body.values : [];
  const detail = (key: string) => values.find((item) => item?.key === key)?.value?.split('\n')[0];
  const [kind, name] = (['Property', 'QueryParameter', 'Header'] as const)
    .map((what) => [what, detail(`${what}Name`)] as const)
    .find(([, value]) => value !== undefined) ?? [undefined, undefined];
  const value = kind && detail(`${kind}Value`);
  const reason = detail('Reason');
  const subject = name === undefined ? undefined : value === undefined ? name : `${name}=${value}`;
  const why = subject || reason ? ` (${[subject, reason].filter(Boolean).join(': ')})` : '';
  // A network error's message already holds its code (`connect ECONNREFUSED 127.0.0.1:9`).
  const head = [e?.statusCode, first.includes(code ?? '\0') ? undefined : code, first].filter(Boolean).join(' ');
  return redact(head + why);
}

/** A cause safe to keep on mxn's errors: code, status and first message line only — never the request (it holds SAS URLs). */
export function safeCause(error: unknown): Error {
  const safe = new Error(batchErrorText(error)) as Error & { code?: string; statusCode?: number };
  const code = batchErrorCode(error);
  const status = batchStatus(error);
  if (code) safe.code = code;
  if (status !== undefined) safe.statusCode = status;
  return safe;
}
