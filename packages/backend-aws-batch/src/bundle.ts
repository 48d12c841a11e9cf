/**
 * The output bundle a task's wrapper uploads with its one presigned PUT: a JSON head line
 * (`{"mxnBundle":1,"attempts":[{"kind":"ok|model|timeout|infrastructure","code":N}, …]}`), then per
 * file a JSON line `{"path","size"}` and the file's bytes. Files are the model's outputs, `stdout.txt`
 * and `stderr.txt` of the last attempt.
 */
import { joinKey, listAll, type Store } from '@mxn/storage';

export type AttemptKind = 'ok' | 'model' | 'timeout' | 'infrastructure';

export interface Bundle {
  attempts: Array<{ kind: AttemptKind; code?: number }>;
  files: Array<{ path: string; data: Buffer }>;
}

/** Key of a task's bundle: a sibling of its output prefix, so the prefix holds only what the task wrote. */
export const bundleKey = (outputPrefix: string): string => `${outputPrefix.replace(/\/$/, '')}.bundle`;

const KINDS = new Set(['ok', 'model', 'timeout', 'infrastructure']);

/** Parses a bundle; throws on anything malformed. Paths that would leave the output prefix are dropped. */
function parseBundle(buffer: Buffer): Bundle {
  let at = buffer.indexOf(10);
  if (at < 0) throw new Error('no head line');
  const head = JSON.parse(buffer.subarray(0, at).toString('utf8')) as { mxnBundle?: number; attempts?: unknown };
  if (head.mxnBundle !== 1 || !Array.isArray(head.attempts)) throw new Error('not an mxn bundle');
  const attempts = head.attempts
    .filter((a): a is { kind: AttemptKind; code?: unknown } => KINDS.has((a as { kind?: string }).kind ?? ''))
    .map((a) => (Number.isInteger(a.code) ? { kind: a.kind, code: a.code as number } : { kind: a.kind }));
  const files: Bundle['files'] = [];
  at++;
  while (at < buffer.length) {
    const nl = buffer.indexOf(10, at);
    if (nl < 0) throw new Error('truncated entry');
    const entry = JSON.parse(buffer.subarray(at, nl).toString('utf8')) as { path?: unknown; size?: unknown };
    const size = Number(entry.size);
    if (typeof entry.path !== 'string' || !Number.isInteger(size) || size < 0 || nl + 1 + size > buffer.length) {
      throw new Error('malformed entry');
    }
    if (safePath(entry.path)) files.push({ path: entry.path, data: buffer.subarray(nl + 1, nl + 1 + size) });
    at = nl + 1 + size;
  }
  return { attempts, files };
}

const safePath = (path: string) =>
  path.length > 0 && !path.startsWith('/') && !path.split('/').some((part) => part === '..' || part === '.' || part === '');

/** Reads a task's bundle; undefined when there is none (yet). */
export async function readBundle(store: Store, outputPrefix: string): Promise<Bundle | undefined> {
  const key = bundleKey(outputPrefix);
  if (!(await store.head(key))) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of await store.read(key)) chunks.push(Buffer.from(chunk as Uint8Array));
  return parseBundle(Buffer.concat(chunks));
}

/** Writes a bundle's files under the output prefix, after removing whatever an earlier run left there. */
export async function unpackBundle(store: Store, outputPrefix: string, bundle: Bundle): Promise<void> {
  const keep = new Set(bundle.files.map((file) => joinKey(outputPrefix, file.path)));
  for (const info of await listAll(store, `${outputPrefix}/`)) if (!keep.has(info.key)) await store.delete(info.key);
  for (const file of bundle.files) await store.write(joinKey(outputPrefix, file.path), file.data);
}
