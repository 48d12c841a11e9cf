import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cachePaths, type CellResult } from '@mxn/core';
import { openStore, readText, type Store } from '@mxn/storage';
import { describe, expect, it } from 'vitest';
import { cacheDigest, cellCache } from './cache.js';

const result: CellResult = {
  id: 'ridge@seoul',
  model: 'ridge',
  variant: 'ridge',
  params: {},
  dataset: 'seoul',
  key: 'k1',
  status: 'succeeded',
  attempts: 1,
  durationMs: 10,
  metrics: { rmse: 41_210 },
  output: '/p/.mxn/cells/k1/output',
};

async function cacheStore(): Promise<Store> {
  return openStore(await mkdtemp(path.join(tmpdir(), 'mxn-cache-')));
}

describe('the cell cache', () => {
  it('serves what the harness stored, with a digest bound to the key and every byte', async () => {
    const store = await cacheStore();
    const lines: string[] = [];
    const cache = cellCache(store, { log: (line) => lines.push(line) });
    await cache.save({ ...result, fromCache: true });
    const text = await readText(store, cachePaths.cell('k1'));
    expect((await readText(store, cachePaths.digest(cachePaths.cell('k1')))).trim()).toBe(cacheDigest(cachePaths.cell('k1'), text));
    expect(cacheDigest(cachePaths.cell('k2'), text)).not.toBe(cacheDigest(cachePaths.cell('k1'), text));
    expect((await cache.lookup(['k1', 'k2'])).get('k1')).toEqual(result);
    expect(lines).toEqual([]);
  });

  it('treats a result overwritten behind its back, or one without a digest, as not cached, and says so', async () => {
    const store = await cacheStore();
    const lines: string[] = [];
    const cache = cellCache(store, { log: (line) => lines.push(line) });
    await cache.save(result);
    await cache.save({ ...result, key: 'k2' });
    // What a token that can write the cache could do: a better score for one cell, a result for another.
    await store.write(cachePaths.cell('k1'), JSON.stringify({ ...result, metrics: { rmse: 1 } }));
    await store.write(cachePaths.cell('k3'), JSON.stringify({ ...result, key: 'k3' }));
    const found = await cache.lookup(['k1', 'k2', 'k3']);
    expect([...found.keys()]).toEqual(['k2']);
    expect(lines).toEqual([
      'cache: the stored result of cell key k1 does not match the digest mxn recorded when it stored it; it runs again',
      'cache: the stored result of cell key k3 has no digest recorded by mxn (cached before digests, or not written by mxn); it runs again',
    ]);
  });

  it('never shows a half-saved result: a harness killed mid-save leaves the cell uncached, with nothing to report', async () => {
    const store = await cacheStore();
    let writes = 0;
    // The harness dies after its first write of the save (SIGKILL between the two objects).
    const dying: Store = Object.assign(Object.create(store) as Store, {
      write: (...args: Parameters<Store['write']>) => (++writes > 1 ? Promise.reject(new Error('killed')) : store.write(...args)),
    });
    await expect(cellCache(dying).save(result)).rejects.toThrow('killed');
    const lines: string[] = [];
    expect((await cellCache(store, { log: (line) => lines.push(line) }).lookup(['k1'])).size).toBe(0);
    expect(lines).toEqual([]);
    await cellCache(store).save(result);
    expect((await cellCache(store).lookup(['k1'])).get('k1')).toEqual(result);
  });

  it('seals aggregate results the same way', async () => {
    const store = await cacheStore();
    const cache = cellCache(store);
    const where = cachePaths.aggregate('a1');
    const aggregate = { status: 'succeeded' as const, attempts: 1, durationMs: 5, output: '/p/.mxn/runs/r/aggregate/output' };
    await cache.saveAggregate(where, aggregate);
    expect(await cache.loadAggregate(where)).toEqual(aggregate);
    await store.write(where, JSON.stringify({ ...aggregate, status: 'failed' }));
    expect(await cache.loadAggregate(where)).toBeUndefined();
  });
});
