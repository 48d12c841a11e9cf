/**
 * The cell cache: one JSON result per cell key, in the cache store (a local folder by default, S3 or
 * Blob to share it between CI runs; never a store a task token covers, see `storeAddresses`). A
 * stored result means the cell need not run again, but only when it is what the harness stored:
 * with every result the harness records the SHA-256 of its key and its exact bytes, and a lookup
 * serves a result only when that digest matches. A result changed behind mxn's back (or one with no
 * digest, such as one cached before digests) is treated as not cached: the cell runs again, with a
 * log line. Aggregate results are sealed the same way. Where things are kept is `cachePaths` of @mxn/core.
 */
import { createHash } from 'node:crypto';
import { cachePaths, type CellResult, type ExperimentResults } from '@mxn/core';
import { isNotFound, readText, type Store } from '@mxn/storage';

type AggregateResult = NonNullable<ExperimentResults['aggregate']>;

export interface CellCache {
  lookup(keys: string[]): Promise<Map<string, CellResult>>;
  save(result: CellResult): Promise<void>;
  /** The aggregate result stored at `cachePaths.aggregate(key)`, when its digest matches. */
  loadAggregate(storedPath: string): Promise<AggregateResult | undefined>;
  saveAggregate(storedPath: string, result: AggregateResult): Promise<void>;
}

export interface CellCacheOptions {
  /** Where a rejected result is reported (one line each). */
  log?: (line: string) => void;
}

/** The digest recorded of the bytes stored at `storedPath`: bound to the path (so to the key) and to every byte. */
export function cacheDigest(storedPath: string, text: string): string {
  return createHash('sha256').update(storedPath).update('\n').update(text).digest('hex');
}

export function cellCache(store: Store, options: CellCacheOptions = {}): CellCache {
  const log = options.log ?? (() => {});
  const readOptional = (key: string) =>
    readText(store, key).catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));

  /** The value at `storedPath` when the harness's digest of it matches; else undefined, saying why. */
  async function readSealed<T>(storedPath: string, what: string): Promise<T | undefined> {
    const [text, digest] = await Promise.all([readOptional(storedPath), readOptional(cachePaths.digest(storedPath))]);
    if (text === undefined) return undefined;
    if (digest === undefined) {
      log(`cache: ${what} has no digest recorded by mxn (cached before digests, or not written by mxn); it runs again`);
      return undefined;
    }
    if (digest.trim() !== cacheDigest(storedPath, text)) {
      log(`cache: ${what} does not match the digest mxn recorded when it stored it; it runs again`);
      return undefined;
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      return undefined;
    }
  }

  /**
   * The digest goes first, so a harness killed between the two writes leaves the cell unserved either
   * way: on a first write, a digest with no result (the cell is not cached); on an overwrite (a rerun),
   * the old result under the new digest, which `readSealed` logs as a mismatch and reruns. Never a
   * stale or partial result served as the new one.
   */
  async function writeSealed(storedPath: string, value: unknown): Promise<void> {
    const text = `${JSON.stringify(value, null, 2)}\n`;
    await store.write(cachePaths.digest(storedPath), `${cacheDigest(storedPath, text)}\n`, { contentType: 'text/plain' });
    await store.write(storedPath, text, { contentType: 'application/json' });
  }

  return {
    async lookup(keys) {
      const present = new Set<string>();
      try {
        for await (const info of store.list({ prefix: cachePaths.cellsPrefix })) {
          const key = cachePaths.cellKeyOf(info.key);
          if (key) present.add(key);
        }
      } catch (error) {
        // A cache that does not exist yet (a Blob container made on the first write) holds nothing.
        if (!isNotFound(error)) throw error;
      }
      const wanted = [...new Set(keys)].filter((key) => present.has(key));
      const found = new Map<string, CellResult>();
      await Promise.all(
        wanted.map(async (key) => {
          const result = await readSealed<CellResult>(cachePaths.cell(key), `the stored result of cell key ${key}`);
          if (result?.key === key) found.set(key, result);
        }),
      );
      return found;
    },
    async save(result) {
      if (result.status === 'cancelled') return;
      const { fromCache: _fromCache, ...stored } = result;
      await writeSealed(cachePaths.cell(result.key), stored);
    },
    loadAggregate: (storedPath) => readSealed<AggregateResult>(storedPath, `the stored aggregate result ${storedPath}`),
    saveAggregate: (storedPath, result) => writeSealed(storedPath, result),
  };
}
