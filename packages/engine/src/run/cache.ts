/**
 * The cell cache: one JSON result per cell key, in any Store (a local folder by default, S3 or
 * Blob to share it between CI runs). A stored result means the cell need not run again.
 * Where results are kept is `cachePaths` of @mxn/core.
 */
import { cachePaths, type CellResult } from '@mxn/core';
import { readJson, writeJson, type Store } from '@mxn/storage';

export interface CellCache {
  lookup(keys: string[]): Promise<Map<string, CellResult>>;
  save(result: CellResult): Promise<void>;
}

export function cellCache(store: Store): CellCache {
  return {
    async lookup(keys) {
      const present = new Set<string>();
      for await (const info of store.list({ prefix: cachePaths.cellsPrefix })) {
        const key = cachePaths.cellKeyOf(info.key);
        if (key) present.add(key);
      }
      const wanted = [...new Set(keys)].filter((key) => present.has(key));
      const found = new Map<string, CellResult>();
      await Promise.all(
        wanted.map(async (key) => {
          const result = await readJson<CellResult>(store, cachePaths.cell(key));
          if (result?.key === key) found.set(key, result);
        }),
      );
      return found;
    },
    async save(result) {
      if (result.status === 'cancelled') return;
      const { fromCache: _fromCache, ...stored } = result;
      await writeJson(store, cachePaths.cell(result.key), stored);
    },
  };
}
