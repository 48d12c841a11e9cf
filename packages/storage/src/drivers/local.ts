import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { StoreError } from '../errors.js';
import { checkKey, joinKey } from '../keys.js';
import type { ListOptions, ObjectInfo, ReadOptions, Store, WriteOptions } from '../store.js';

export interface LocalStoreOptions {
  /** Folder that holds the objects; created on first write. */
  root: string;
}

/** A Store on this machine's filesystem. Writes go to a temporary file renamed into place, so readers never see a partial object. */
export function localStore(options: LocalStoreOptions): Store {
  const root = path.resolve(options.root);
  const fileOf = (key: string) => path.join(root, ...checkKey(key).split('/'));

  async function info(key: string, file: string): Promise<ObjectInfo | undefined> {
    const stats = await stat(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw wrap(error, key);
    });
    if (!stats?.isFile()) return undefined;
    return { key, size: stats.size, etag: `${stats.size}-${stats.mtimeMs}`, lastModified: stats.mtime };
  }

  return {
    uri: pathToFileURL(root).href,
    capabilities: { signedUrls: false, prefixSignedUrls: false, serverSideCopyFromUrl: false },

    async *list({ prefix = '' }: ListOptions = {}) {
      const keys: string[] = [];
      await walk(root, '', keys);
      keys.sort();
      for (const key of keys) {
        if (!key.startsWith(prefix)) continue;
        const found = await info(key, fileOf(key));
        if (found) yield found;
      }
    },

    head: (key) => info(checkKey(key), fileOf(key)),

    async read(key, options: ReadOptions = {}) {
      const file = fileOf(key);
      const found = await info(key, file);
      if (!found) throw new StoreError('NotFound', `${path.join(root, key)} does not exist`);
      return createReadStream(file, { start: options.start, end: options.end });
    },

    async write(key, body, options: WriteOptions = {}) {
      const file = fileOf(key);
      await mkdir(path.dirname(file), { recursive: true });
      const temp = `${file}.${randomBytes(6).toString('hex')}.partial`;
      const hash = createHash('md5');
      const source = typeof body === 'string' || body instanceof Uint8Array ? Readable.from([Buffer.from(body)]) : body;
      try {
        await pipeline(
          source,
          async function* (chunks: AsyncIterable<Buffer>) {
            for await (const chunk of chunks) {
              hash.update(chunk);
              yield chunk;
            }
          },
          createWriteStream(temp),
        );
      } catch (error) {
        await rm(temp, { force: true });
        throw wrap(error, key);
      }
      const md5 = hash.digest('base64');
      // An MD5 given up front is checked before the file is moved into place: a mismatch leaves no object.
      if (options.md5 && options.md5 !== md5) {
        await rm(temp, { force: true });
        throw new StoreError('Integrity', `${path.join(root, key)}: the bytes differ from the MD5 given for them; nothing was written`);
      }
      try {
        await rename(temp, file);
      } catch (error) {
        await rm(temp, { force: true });
        throw wrap(error, key);
      }
      const written = await info(checkKey(key), file);
      return { ...written!, md5 };
    },

    async delete(key) {
      await rm(fileOf(key), { force: true });
    },

    localPath: (key) => fileOf(key),

    child: (prefix) => localStore({ root: path.join(root, ...checkKey(prefix).split('/')) }),
  };
}

async function walk(dir: string, prefix: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  for (const entry of entries) {
    const key = joinKey(prefix, entry.name);
    if (entry.isDirectory()) await walk(path.join(dir, entry.name), key, out);
    else if (entry.isFile() && !entry.name.endsWith('.partial')) out.push(key);
  }
}

function wrap(error: unknown, key: string): StoreError {
  if (error instanceof StoreError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new StoreError('NotFound', `${key} does not exist`, { cause: error });
  if (code === 'EACCES' || code === 'EPERM') return new StoreError('AccessDenied', `no permission for ${key}`, { cause: error });
  return new StoreError('Failed', `${key}: ${(error as Error).message}`, { cause: error });
}
