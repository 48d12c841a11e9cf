/** Helpers for tests of the loopback Batch service (not exported from the package). */
import { sign, stringToSign } from './auth.js';

/** Sends a request signed the way @azure/batch signs it (for calls the SDK refuses to make). */
export async function signedFetch(
  svc: { url: string; accountName: string; accountKey: string; apiVersion: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const pathAndQuery = `${path}${path.includes('?') ? '&' : '?'}api-version=${svc.apiVersion}`;
  const headers: Record<string, string> = {
    'ocp-date': new Date().toUTCString(),
    'content-type': 'application/json; odata=minimalmetadata; charset=utf-8',
  };
  const length = text ? Buffer.byteLength(text) : 0;
  headers.authorization = `SharedKey ${svc.accountName}:${sign(stringToSign(method, pathAndQuery, headers, svc.accountName, length), svc.accountKey)}`;
  return fetch(`${svc.url}${pathAndQuery}`, { method, headers, ...(text ? { body: text } : {}) });
}
