import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { runPool } from '@mxn/async';
import { joinKey, type Store } from '@mxn/storage';

/** Keys under `prefix` (as a folder: `a/b` matches `a/b/x`, not `a/bc`), relative to it. */
async function listUnder(store: Store, prefix: string): Promise<Array<{ key: string; relative: string; size: number }>> {
  const folder = joinKey(prefix);
  const start = folder === '' ? '' : `${folder}/`;
  const out: Array<{ key: string; relative: string; size: number }> = [];
  for await (const info of store.list({ prefix: start })) {
    if (info.key.startsWith(start)) out.push({ key: info.key, relative: info.key.slice(start.length), size: info.size });
  }
  return out;
}

/** Downloads every object under `prefix` into `dir`, keeping the folder structure. */
export async function downloadPrefix(store: Store, prefix: string, dir: string, concurrency: number, signal: AbortSignal): Promise<void> {
  const objects = await listUnder(store, prefix);
  await runPool(
    objects,
    concurrency,
    async ({ key, relative }) => {
      const file = path.join(dir, ...relative.split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      await pipeline(await store.read(key), createWriteStream(file));
    },
    signal,
  );
}

/** Makes `prefix` hold exactly the files of `dir`: uploads each file and deletes objects that are not in `dir`. */
export async function syncFolderToPrefix(dir: string, store: Store, prefix: string, concurrency: number): Promise<void> {
  const files = await listFiles(dir);
  const wanted = new Set(files.map((relative) => joinKey(prefix, relative)));
  const stale = (await listUnder(store, prefix)).filter(({ key }) => !wanted.has(key));
  await runPool(stale, concurrency, ({ key }) => store.delete(key));
  await runPool(files, concurrency, async (relative) => {
    const file = path.join(dir, ...relative.split('/'));
    const { size } = await stat(file);
    await store.write(joinKey(prefix, relative), createReadStream(file), { size });
  });
}

/** Copies every object under `from` to the same relative key under `to`, inside one store. */
export async function copyPrefix(store: Store, from: string, to: string, concurrency: number): Promise<void> {
  const objects = await listUnder(store, from);
  await runPool(objects, concurrency, async ({ key, relative, size }) => {
    await store.write(joinKey(to, relative), await store.read(key), { size });
  });
}

/** Deletes every object under `prefix`. */
export async function clearPrefix(store: Store, prefix: string, concurrency: number): Promise<void> {
  await runPool(await listUnder(store, prefix), concurrency, ({ key }) => store.delete(key));
}

/** Every file under `dir`, as `/`-separated paths relative to it (none when `dir` is missing). */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) =>
      path
        .relative(dir, path.join(entry.parentPath ?? entry.path, entry.name))
        .split(path.sep)
        .join('/'),
    )
    .sort();
}
