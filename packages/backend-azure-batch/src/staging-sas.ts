/**
 * Container SAS URLs for tasks. Blob SAS for a container is container-scoped; what a task may reach
 * is narrowed by the blob prefix its resource/output file names (read+list for inputs, create+write
 * for outputs — so input URLs cannot write and output URLs cannot read or list).
 */
import { BackendError } from '@mxn/core';
import { joinKey, parseBlobUri, type Store } from '@mxn/storage';

export interface StagingSas {
  /** Container URL with a read+list SAS. */
  readUrl: string;
  /** Container URL with a create+write SAS. */
  writeUrl: string;
  /** Full blob name of a store key (the store's root prefix + key). */
  blobName(key: string): string;
}

export async function stagingSas(store: Store, expiresIn: number): Promise<StagingSas> {
  if (!store.signedPrefixUrl || !store.uri.startsWith('az://')) {
    throw new BackendError(`azure-batch needs an Azure Blob staging store its tasks can reach, not ${store.uri}`, { hint: 'set compute.staging (or MXN_STAGING) to az://account/container/prefix' });
  }
  const root = parseBlobUri(store.uri).prefix ?? '';
  const container = (url: string): string => {
    const [base, query] = url.split('?') as [string, string | undefined];
    const encodedRoot = root.split('/').filter(Boolean).map(encodeURIComponent).join('/');
    const trimmed = encodedRoot && base.endsWith(`/${encodedRoot}`) ? base.slice(0, -encodedRoot.length - 1) : base.replace(/\/$/, '');
    return `${trimmed}?${query ?? ''}`;
  };
  const [readUrl, writeUrl] = await Promise.all([store.signedPrefixUrl('', { access: 'read', expiresIn }), store.signedPrefixUrl('', { access: 'write', expiresIn })]);
  return { readUrl: container(readUrl), writeUrl: container(writeUrl), blobName: (key) => joinKey(root, key) };
}
