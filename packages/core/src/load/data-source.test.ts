import { registerStoreDriver, type ObjectInfo, type Store } from '@mxn/storage';
import { describe, expect, it } from 'vitest';
import { globToRegExp, resolveDataSource } from './data-source.js';

/** A store driver that remembers the URI it was opened with and holds three keys. */
const opened: string[] = [];
const objects: ObjectInfo[] = ['a.parquet', 'b.parquet', 'notes.txt'].map((key) => ({ key, size: 1 }));
registerStoreDriver('memq', async (uri) => {
  opened.push(uri);
  return {
    uri,
    capabilities: { signedUrls: false, prefixSignedUrls: false, serverSideCopyFromUrl: false },
    async *list() {
      yield* objects;
    },
    head: async (key: string) => objects.find((object) => object.key === key),
  } as unknown as Store;
});

describe('resolveDataSource', () => {
  it('keeps a URI query (a SAS) with the store, out of glob matching', async () => {
    opened.length = 0;
    const globbed = await resolveDataSource('memq://acct/c/data/*.parquet?sv=1&sig=secret', '/root');
    expect(globbed.files.map((file) => file.key)).toEqual(['a.parquet', 'b.parquet']);
    const single = await resolveDataSource('memq://acct/c/data/b.parquet?sv=1&sig=secret', '/root');
    expect(single.files.map((file) => file.key)).toEqual(['b.parquet']);
    expect(opened).toEqual(['memq://acct/c/data?sv=1&sig=secret', 'memq://acct/c/data?sv=1&sig=secret']);
  });

  it('turns globs into anchored patterns', () => {
    expect(globToRegExp('**/*.parquet').test('x/y/z.parquet')).toBe(true);
    expect(globToRegExp('*.parquet').test('x/z.parquet')).toBe(false);
    expect(globToRegExp('{a,b}.parquet').test('b.parquet')).toBe(true);
  });
});
