/**
 * What a task may reach in the staging container, as SAS URLs:
 * - a cell's inputs: one read-only blob SAS (`sr=b`, `sp=r`) per object under its input prefix
 *   (listed at submission time), so a cell can read exactly its own `train.parquet` / `test.parquet`
 *   (and any other file staged there) — not other cells' inputs or outputs;
 * - outputs: one container SAS with create+write only (`sp=cw`), the `containerUrl` Batch output files
 *   need (the API asks for a SAS "granting write permissions to the container", and `out/**` names
 *   files unknown at submission). It cannot read, list or delete; it CAN create or overwrite any blob
 *   in the container (Blob SAS on a flat-namespace account is not prefix-scoped), until it expires;
 * - the aggregate only: a container SAS with read+list (`sp=rl`), since it downloads every cell's
 *   outputs, which do not exist yet when it is submitted (and per-blob URLs for 10,000 cells would not
 *   fit a task body).
 * None covers the held-out labels or the cell cache: they live in the cache store, another container
 * (`storeAddresses` of @mxn/core; docs/security.md).
 */
import type { BatchServiceModels } from '@azure/batch';
import { BackendError } from '@mxn/core';
import { joinKey, listAll, parseBlobUri, type Store } from '@mxn/storage';

export interface StagingSas {
  /** Container URL with a read+list SAS; present only when asked for (the aggregate's downloads). */
  readUrl?: string;
  /** Container URL with a create+write SAS (no read, list or delete): the destination of every task's output files. */
  writeUrl: string;
  /** Full blob name of a store key (the store's root prefix + key). */
  blobName(key: string): string;
  /**
   * Read-only per-blob URLs of every object under `prefix`, each to `<folder>/<path below prefix>`.
   * Listed and signed once per prefix (cells of one dataset share their inputs).
   */
  inputFiles(prefix: string, folder: string): Promise<BatchServiceModels.ResourceFile[]>;
}

export interface StagingSasOptions {
  /** Also sign the container read+list URL (for an aggregate). Default false. */
  containerRead?: boolean;
}

/** Signs the task URLs of a staging store on Azure Blob; every token lives `expiresIn` seconds. */
export async function stagingSas(store: Store, expiresIn: number, options: StagingSasOptions = {}): Promise<StagingSas> {
  if (!store.signedPrefixUrl || !store.signedUrl || !store.uri.startsWith('az://')) {
    throw new BackendError(`azure-batch needs an Azure Blob staging store its tasks can reach, not ${store.uri}`, {
      code: 'Config',
      hint: 'set compute.staging (or MXN_STAGING) to az://account/container/prefix',
    });
  }
  const root = parseBlobUri(store.uri).prefix ?? '';
  const container = (url: string): string => {
    const [base, query] = url.split('?') as [string, string | undefined];
    const encodedRoot = root.split('/').filter(Boolean).map(encodeURIComponent).join('/');
    const trimmed = encodedRoot && base.endsWith(`/${encodedRoot}`) ? base.slice(0, -encodedRoot.length - 1) : base.replace(/\/$/, '');
    return `${trimmed}?${query ?? ''}`;
  };
  const [readUrl, writeUrl] = await Promise.all([
    options.containerRead ? store.signedPrefixUrl('', { access: 'read', expiresIn }) : undefined,
    store.signedPrefixUrl('', { access: 'write', expiresIn }),
  ]);
  const signed = new Map<string, Promise<Array<{ httpUrl: string; path: string }>>>();
  const sign = async (prefix: string) => {
    const below = `${prefix.replace(/\/$/, '')}/`;
    const objects = await listAll(store, below);
    return Promise.all(
      objects.map(async (object) => ({
        httpUrl: await store.signedUrl!(object.key, { access: 'read', expiresIn }),
        path: object.key.slice(below.length),
      })),
    );
  };
  return {
    ...(readUrl ? { readUrl: container(readUrl) } : {}),
    writeUrl: container(writeUrl),
    blobName: (key) => joinKey(root, key),
    async inputFiles(prefix, folder) {
      if (!signed.has(prefix)) signed.set(prefix, sign(prefix));
      return (await signed.get(prefix)!).map((file) => ({ httpUrl: file.httpUrl, filePath: `${folder}/${file.path}` }));
    },
  };
}
