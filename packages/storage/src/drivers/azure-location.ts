import type { TokenCredential } from '@azure/core-auth';
import { StoreError } from '../errors.js';
import { joinKey } from '../keys.js';

/** Where a Blob store points: account, container, key prefix, and the blob service endpoint. */
export interface BlobLocation {
  account: string;
  container: string;
  prefix: string;
  /**
   * Blob service URL of the account, e.g. `https://acct.blob.core.windows.net` or an emulator's
   * `http://127.0.0.1:10000/devstoreaccount1`.
   */
  endpoint?: string;
  /** SAS carried by an `https://` URI's query. */
  sas?: string;
}

/** Parses `az://account/container/prefix` and `https://account.blob.core.windows.net/container/prefix[?sas]`. */
export function parseBlobUri(uri: string): BlobLocation {
  const az = /^az:\/\/([^/?#]+)\/([^/?#]+)\/?([^?#]*)$/i.exec(uri);
  if (az?.[1] && az[2]) return { account: az[1], container: az[2], prefix: joinKey(decodeURIComponent(az[3] ?? '')) };
  if (/^https:\/\//i.test(uri)) {
    const url = new URL(uri);
    const account = url.hostname.split('.')[0] ?? '';
    const [container, ...rest] = url.pathname.split('/').filter(Boolean);
    if (account && container && /\.blob\./i.test(url.hostname)) {
      return {
        account,
        container,
        prefix: joinKey(...rest.map(decodeURIComponent)),
        endpoint: url.origin,
        sas: url.search.slice(1) || undefined,
      };
    }
  }
  throw new StoreError(
    'InvalidUri',
    `"${uri.split('?')[0]}" is not an Azure Blob URI; ` +
      `expected az://account/container/prefix or https://account.blob.core.windows.net/container/prefix`,
  );
}

/** `Key=value;…` fields of a connection string. */
function parseConnectionString(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const part of text.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) fields[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return fields;
}

export type BlobAuth =
  | { kind: 'key'; account: string; key: string }
  | { kind: 'sas'; sas: string }
  | { kind: 'token'; credential: TokenCredential };

export interface BlobAuthOptions {
  connectionString?: string;
  accountKey?: string;
  sasToken?: string;
  credential?: TokenCredential;
  blobEndpoint?: string;
}

/**
 * Chooses credentials and endpoint, first match wins: a SAS (option, the URI's query,
 * `AZURE_STORAGE_SAS_TOKEN`); a connection string for this account (option,
 * `AZURE_STORAGE_CONNECTION_STRING`; its `BlobEndpoint` decides the URL, as for an emulator);
 * an account key (option, `AZURE_STORAGE_KEY` with `AZURE_STORAGE_ACCOUNT`); a token credential
 * (option, else `DefaultAzureCredential`: environment, workload identity / GitHub OIDC, managed identity, Azure CLI).
 */
export async function resolveBlobAuth(
  location: BlobLocation,
  options: BlobAuthOptions,
  env = process.env,
): Promise<{ auth: BlobAuth; endpoint: string }> {
  const connection = options.connectionString ?? env.AZURE_STORAGE_CONNECTION_STRING;
  const fields = connection ? parseConnectionString(connection) : {};
  const connectionFits = connection !== undefined && (!fields.AccountName || fields.AccountName === location.account);
  const endpoint =
    options.blobEndpoint ??
    location.endpoint ??
    (connectionFits && fields.BlobEndpoint ? fields.BlobEndpoint.replace(/\/+$/, '') : undefined) ??
    (connectionFits && fields.EndpointSuffix
      ? `${fields.DefaultEndpointsProtocol ?? 'https'}://${location.account}.blob.${fields.EndpointSuffix}`
      : undefined) ??
    `https://${location.account}.blob.core.windows.net`;

  const sas =
    options.sasToken ?? location.sas ?? (connectionFits ? fields.SharedAccessSignature : undefined) ?? env.AZURE_STORAGE_SAS_TOKEN;
  if (sas) return { auth: { kind: 'sas', sas: sas.replace(/^\?/, '') }, endpoint };
  if (options.accountKey) return { auth: { kind: 'key', account: location.account, key: options.accountKey }, endpoint };
  if (options.credential) return { auth: { kind: 'token', credential: options.credential }, endpoint };
  if (connectionFits && fields.AccountKey)
    return { auth: { kind: 'key', account: fields.AccountName ?? location.account, key: fields.AccountKey }, endpoint };
  if (env.AZURE_STORAGE_KEY && (!env.AZURE_STORAGE_ACCOUNT || env.AZURE_STORAGE_ACCOUNT === location.account)) {
    return { auth: { kind: 'key', account: location.account, key: env.AZURE_STORAGE_KEY }, endpoint };
  }
  const { DefaultAzureCredential } = await import('@azure/identity');
  return { auth: { kind: 'token', credential: new DefaultAzureCredential() }, endpoint };
}
