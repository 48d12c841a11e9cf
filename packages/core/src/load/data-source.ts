/** Resolves a dataset's `train`/`test` value (path, folder, glob, or store URI) to the parquet (or CSV) objects it names. */
import path from 'node:path';
import { isCsvName } from '@mxn/data';
import { isRemoteUri, joinKey, openStore, type ObjectInfo, type Store } from '@mxn/storage';
import { projectPathProblem } from './project-path.js';

export interface DataSource {
  /** The value as written in the experiment file. */
  spec: string;
  store: Store;
  /** Parquet objects (or one CSV file), sorted by key. Empty when nothing matched. */
  files: ObjectInfo[];
}

const GLOB = /[*?[{]/;

export async function resolveDataSource(spec: string, root: string): Promise<DataSource> {
  const outside = projectPathProblem(spec, root);
  if (outside) throw new Error(outside);
  const remote = isRemoteUri(spec);
  const full = remote || spec.startsWith('file://') ? spec : path.resolve(root, spec);
  // A query (a Blob SAS) belongs to the store, not to the path: keep it out of glob matching.
  const cut = remote ? full.indexOf('?') : -1;
  const uri = cut >= 0 ? full.slice(0, cut) : full;
  const query = cut >= 0 ? full.slice(cut) : '';
  const open = (base: string) => openStore(`${base || '/'}${query}`);
  const segments = uri.split('/');
  const firstGlob = segments.findIndex((segment) => GLOB.test(segment));
  if (firstGlob >= 0) {
    const pattern = globToRegExp(segments.slice(firstGlob).join('/'));
    const store = await open(segments.slice(0, firstGlob).join('/'));
    return { spec, store, files: await collect(store, '', (key) => pattern.test(key)) };
  }
  // One file: a parquet file, or a CSV (`.csv`, `.csv.gz`) that staging converts to parquet.
  if (uri.endsWith('.parquet') || isCsvName(uri)) {
    const at = uri.lastIndexOf('/');
    const store = await open(uri.slice(0, at));
    const info = await store.head(uri.slice(at + 1));
    return { spec, store, files: info ? [info] : [] };
  }
  const store = await open(uri);
  return { spec, store, files: await collect(store, '', (key) => key.endsWith('.parquet')) };
}

async function collect(store: Store, prefix: string, keep: (key: string) => boolean): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const info of store.list({ prefix: prefix ? joinKey(prefix) : undefined })) if (keep(info.key)) out.push(info);
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** `*` matches within a path segment, `**` across segments, `?` one character, `{a,b}` alternatives. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      out += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (char === '*') out += '[^/]*';
    else if (char === '?') out += '[^/]';
    else if (char === '{') out += '(?:';
    else if (char === '}') out += ')';
    else if (char === ',' && out.includes('(?:')) out += '|';
    else out += char.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/**
 * An object of a source as messages name it: the path as written in the experiment (relative to the
 * project root) for one file, else the folder or the part before the glob, then the object's key.
 */
export function shownPath(source: DataSource, info: ObjectInfo): string {
  const cut = isRemoteUri(source.spec) ? source.spec.indexOf('?') : -1;
  const spec = cut >= 0 ? source.spec.slice(0, cut) : source.spec;
  if (spec === info.key || spec.endsWith(`/${info.key}`)) return spec;
  const segments = spec.split('/');
  const firstGlob = segments.findIndex((segment) => GLOB.test(segment));
  const base = (firstGlob >= 0 ? segments.slice(0, firstGlob).join('/') : spec).replace(/\/+$/, '');
  return base ? `${base}/${info.key}` : info.key;
}
