import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreError } from './errors.js';
import { localStore } from './drivers/local.js';
import type { Store } from './store.js';

/** A location split into the store that holds it and the key inside that store. */
export interface Location {
  store: Store;
  key: string;
}

export type StoreFactory = (uri: string) => Promise<Store>;

const factories = new Map<string, StoreFactory>();

/**
 * Registers a driver for a URI scheme (`s3`, `az`, `https`). Cloud drivers register themselves
 * lazily so that a local run never loads a cloud SDK.
 */
export function registerStoreDriver(scheme: string, factory: StoreFactory): void {
  factories.set(scheme, factory);
}

/** True for `s3://`, `az://`, `https://` and other non-local URIs. */
export function isRemoteUri(uri: string): boolean {
  return /^[a-z][a-z0-9+.-]+:\/\//i.test(uri) && !uri.startsWith('file://');
}

/** Opens the store rooted at `uri`: a plain path, `file://…`, or a scheme with a registered driver. */
export async function openStore(uri: string, cwd = process.cwd()): Promise<Store> {
  if (uri.startsWith('file://')) return localStore({ root: fileURLToPath(uri) });
  if (!isRemoteUri(uri)) return localStore({ root: path.resolve(cwd, uri) });
  const scheme = uri.slice(0, uri.indexOf(':')).toLowerCase();
  const factory = factories.get(scheme) ?? (await loadBuiltin(scheme));
  if (!factory) throw new StoreError('InvalidUri', `no storage driver for "${scheme}://" (in ${uri}); use a path, file://, s3:// or az://`);
  return factory(uri);
}

async function loadBuiltin(scheme: string): Promise<StoreFactory | undefined> {
  const drivers: Record<string, () => Promise<StoreFactory>> = {
    s3: async () => {
      const { s3Store } = await import('./drivers/s3.js');
      return (uri) => s3Store({ uri });
    },
    az: async () => {
      const { azureBlobStore } = await import('./drivers/azure-blob.js');
      return (uri) => azureBlobStore({ uri });
    },
    https: async () => {
      const { azureBlobStore } = await import('./drivers/azure-blob.js');
      return (uri) => azureBlobStore({ uri });
    },
  };
  const load = drivers[scheme];
  if (!load) return undefined;
  const factory = await load();
  factories.set(scheme, factory);
  return factory;
}
