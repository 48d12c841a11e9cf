/** Content fingerprints of datasets, for cell keys: the bytes decide, not names or times. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { DataSource } from '../load/data-source.js';
import { hashValue } from './hash.js';

const memo = new Map<string, Promise<string>>();

/** Fingerprint of every object of a source: the service's MD5 where it keeps one, a sha256 of local files, else the ETag. */
export async function fingerprintSource(source: DataSource): Promise<string> {
  const parts = await Promise.all(
    source.files.map(async (file) => {
      const local = source.store.localPath?.(file.key);
      const content = file.md5 ? `md5:${file.md5}` : local ? `sha256:${await hashFile(local)}` : `etag:${file.etag ?? file.size}`;
      return { key: file.key, size: file.size, content };
    }),
  );
  return hashValue(parts);
}

/** sha256 of a local file, memoised per path, size and modification time. */
async function hashFile(file: string): Promise<string> {
  const stats = await stat(file);
  const id = `${file}\0${stats.size}\0${stats.mtimeMs}`;
  let hash = memo.get(id);
  if (!hash) {
    hash = new Promise<string>((resolve, reject) => {
      const digest = createHash('sha256');
      createReadStream(file)
        .on('data', (chunk) => digest.update(chunk))
        .on('error', reject)
        .on('end', () => resolve(digest.digest('hex')));
    });
    memo.set(id, hash);
  }
  return hash;
}
