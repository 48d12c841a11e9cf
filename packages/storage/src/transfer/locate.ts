import path from 'node:path';
import { openStore } from '../open-store.js';
import { isRemoteUri } from '../open-store.js';
import type { ObjectInfo, Store } from '../store.js';

/** What a copy argument names: a whole prefix (store) or one object in a store. */
export type Located = { kind: 'prefix'; store: Store } | { kind: 'object'; store: Store; key: string; info: ObjectInfo };

/** Splits a URI or path into its parent and last segment, keeping a query (SAS) on the parent. */
export function splitLast(uri: string): { parent: string; name: string } | undefined {
  if (!isRemoteUri(uri)) {
    const resolved = uri.startsWith('file://') ? uri : path.resolve(uri);
    if (uri.startsWith('file://')) {
      const at = resolved.lastIndexOf('/');
      return { parent: resolved.slice(0, at), name: resolved.slice(at + 1) };
    }
    return { parent: path.dirname(resolved), name: path.basename(resolved) };
  }
  const [base = '', query] = uri.split('?', 2);
  // The store root: s3://bucket; az://account/container; https://host/container.
  const root = (/^s3:/i.test(base) ? /^s3:\/\/[^/]+/i : /^[a-z][a-z0-9+.-]*:\/\/[^/]+\/[^/]+/i).exec(base)?.[0] ?? base;
  if (base.length <= root.length) return undefined;
  const at = base.lastIndexOf('/');
  return { parent: `${base.slice(0, at)}${query ? `?${query}` : ''}`, name: base.slice(at + 1) };
}

/** A trailing `/` means a prefix; otherwise an existing object wins, else a prefix. */
export async function locateSource(source: string | Store): Promise<Located> {
  if (typeof source !== 'string') return { kind: 'prefix', store: source };
  if (!source.split('?')[0]!.endsWith('/')) {
    const split = splitLast(source);
    if (split?.name) {
      const parent = await openStore(split.parent);
      const info = await parent.head(split.name);
      if (info) return { kind: 'object', store: parent, key: split.name, info };
    }
  }
  return { kind: 'prefix', store: await openStore(source) };
}

/** Where one object goes: into `dest` when it ends with `/` (or is a Store), else to `dest` itself. */
export async function locateDestination(dest: string | Store, sourceName: string): Promise<{ store: Store; key: string }> {
  if (typeof dest !== 'string') return { store: dest, key: sourceName };
  if (dest.split('?')[0]!.endsWith('/')) return { store: await openStore(dest), key: sourceName };
  const split = splitLast(dest);
  if (!split) return { store: await openStore(dest), key: sourceName };
  return { store: await openStore(split.parent), key: split.name };
}
