/** Helpers for tests of the loopback Batch service (not exported from the package). */
import { BatchServiceClient, BatchSharedKeyCredentials } from '@azure/batch';
import { sign, stringToSign } from './auth.js';

interface ServiceHandle {
  url: string;
  accountName: string;
  accountKey: string;
  apiVersion: string;
}

/**
 * The real @azure/batch client, switched to the api-version the service speaks: 10.2.0 sends
 * `2022-10-01.16.0` unless `apiVersion` is set after construction (it also rewrites next links).
 */
export function batchClient(svc: ServiceHandle, key: string = svc.accountKey): BatchServiceClient {
  const client = new BatchServiceClient(new BatchSharedKeyCredentials(svc.accountName, key), svc.url);
  client.apiVersion = svc.apiVersion;
  return client;
}

/**
 * Sends a request signed the way @azure/batch signs it (for calls the SDK refuses to make), with
 * `api-version` appended (`null`: none).
 */
export async function signedFetch(
  svc: ServiceHandle,
  method: string,
  path: string,
  body?: unknown,
  apiVersion: string | null = svc.apiVersion,
): Promise<Response> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const pathAndQuery = apiVersion === null ? path : `${path}${path.includes('?') ? '&' : '?'}api-version=${apiVersion}`;
  const headers: Record<string, string> = {
    'ocp-date': new Date().toUTCString(),
    'content-type': 'application/json; odata=minimalmetadata; charset=utf-8',
  };
  const length = text ? Buffer.byteLength(text) : 0;
  const signature = sign(stringToSign(method, pathAndQuery, headers, svc.accountName, length), svc.accountKey);
  headers.authorization = `SharedKey ${svc.accountName}:${signature}`;
  return fetch(`${svc.url}${pathAndQuery}`, { method, headers, ...(text ? { body: text } : {}) });
}
