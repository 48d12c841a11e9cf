/**
 * The shared contract every Store driver passes: `testStore(name, makeStore, options)` declares a
 * vitest suite. Each driver's test calls it, then adds its own cases. Exported as
 * `@mxn/storage/testing`, so a driver outside this package can run it too; only that subpath needs vitest.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { StoreErrorCode } from '../errors.js';
import { urlUnderPrefix } from '../signed-urls.js';
import type { Store } from '../store.js';

export interface StoreContractOptions {
  /** Part (block) size the store was made with; the multi-part case writes more than two parts. Default 5 MiB. */
  partSize?: number;
  /**
   * A store over the same place whose credentials may not write (a read-only SAS, a wrong key),
   * made from the store under test. Omit to skip the denied-access cases.
   */
  denied?: {
    make: (store: Store) => Promise<Store>;
    /** Whether it may still read (a read-only SAS) or not (wrong credentials). Default false. */
    canRead?: boolean;
  };
  /** Whether the service checks what a signed URL allows (s3rver does not check signatures). Default true. */
  signedUrlsEnforced?: boolean;
}

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('base64');

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Asserts that `action` rejects with a StoreError of `code` (checked by name, so copies of the class from other builds match). */
export async function expectStoreError(action: Promise<unknown>, code: StoreErrorCode): Promise<Error> {
  const error = await action.then(
    () => undefined,
    (caught: unknown) => caught as Error & { code?: string },
  );
  expect(error, `expected StoreError ${code}`).toBeDefined();
  expect(error!.name).toBe('StoreError');
  expect((error as { code?: string }).code).toBe(code);
  return error!;
}

/** Declares the Store contract suite. `makeStore` returns a new, empty store (e.g. under a unique prefix) per call. */
export function testStore(name: string, makeStore: () => Promise<Store>, options: StoreContractOptions = {}): void {
  const partSize = options.partSize ?? 5 * 1024 * 1024;

  describe(`Store contract: ${name}`, () => {
    it('writes a small object, then heads and reads it back', async () => {
      const store = await makeStore();
      const body = Buffer.from('hello, store\n');
      const written = await store.write('dir/hello.txt', body, { contentType: 'text/plain' });
      expect(written.key).toBe('dir/hello.txt');
      expect(written.size).toBe(body.length);
      const info = await store.head('dir/hello.txt');
      expect(info?.size).toBe(body.length);
      if (info?.md5) expect(info.md5).toBe(md5(body));
      expect(await bytesOf(await store.read('dir/hello.txt'))).toEqual(body);
      await store.write('empty', '');
      expect((await store.head('empty'))?.size).toBe(0);
      expect((await bytesOf(await store.read('empty'))).length).toBe(0);
    });

    it('reads byte ranges', async () => {
      const store = await makeStore();
      const body = randomBytes(1000);
      await store.write('r.bin', body);
      expect(await bytesOf(await store.read('r.bin', { start: 10, end: 19 }))).toEqual(body.subarray(10, 20));
      expect(await bytesOf(await store.read('r.bin', { start: 990 }))).toEqual(body.subarray(990));
      expect(await bytesOf(await store.read('r.bin', { start: 0, end: 0 }))).toEqual(body.subarray(0, 1));
    });

    it('lists every object under a prefix across pages, keys relative to the store', async () => {
      const store = await makeStore();
      const keys = Array.from({ length: 7 }, (_, i) => `list/part-${i}.txt`);
      await Promise.all(keys.map((key) => store.write(key, key)));
      await store.write('listing-not-in-dir.txt', 'x');
      await store.write('other/x.txt', 'x');
      const paged = [];
      for await (const info of store.list({ prefix: 'list/', pageSize: 2 })) paged.push(info);
      expect(paged.map((info) => info.key)).toEqual([...keys].sort());
      expect(paged.every((info, i) => info.size === keys[i]!.length)).toBe(true);
      const all = [];
      for await (const info of store.list({ pageSize: 3 })) all.push(info.key);
      expect(all.sort()).toEqual([...keys, 'listing-not-in-dir.txt', 'other/x.txt'].sort());
    });

    it('writes a multi-part object from a stream of unknown length', async () => {
      const store = await makeStore();
      const body = randomBytes(partSize * 2 + 12_345);
      const chunks = Array.from({ length: Math.ceil(body.length / 65_536) }, (_, i) => body.subarray(i * 65_536, (i + 1) * 65_536));
      const written = await store.write('big/blob.bin', Readable.from(chunks));
      expect(written.size).toBe(body.length);
      expect((await store.head('big/blob.bin'))?.size).toBe(body.length);
      const back = await bytesOf(await store.read('big/blob.bin'));
      expect(md5(back)).toBe(md5(body));
      expect(await bytesOf(await store.read('big/blob.bin', { start: partSize - 5, end: partSize + 4 }))).toEqual(
        body.subarray(partSize - 5, partSize + 5),
      );
    });

    it('overwrites, deletes, and treats deleting a missing object as done', async () => {
      const store = await makeStore();
      await store.write('o.txt', 'first');
      await store.write('o.txt', 'second!');
      expect((await bytesOf(await store.read('o.txt'))).toString()).toBe('second!');
      await store.delete('o.txt');
      expect(await store.head('o.txt')).toBeUndefined();
      await store.delete('o.txt');
      await store.delete('never/was.txt');
    });

    it('reports missing objects: head → undefined, read → NotFound', async () => {
      const store = await makeStore();
      expect(await store.head('missing/object.bin')).toBeUndefined();
      await expectStoreError(store.read('missing/object.bin'), 'NotFound');
      await expectStoreError(store.read('missing/object.bin', { start: 1, end: 2 }), 'NotFound');
    });

    it('opens a child store rooted at a prefix', async () => {
      const store = await makeStore();
      const child = store.child('nested/deeper');
      await child.write('leaf.txt', 'leaf');
      expect((await store.head('nested/deeper/leaf.txt'))?.size).toBe(4);
      const listed = [];
      for await (const info of child.list()) listed.push(info.key);
      expect(listed).toEqual(['leaf.txt']);
      expect(child.uri).toContain('nested/deeper');
    });

    if (options.denied) {
      const denied = options.denied;
      it('fails with AccessDenied when the credentials may not write', async () => {
        const store = await makeStore();
        await store.write('guarded.txt', 'guarded');
        const limited = await denied.make(store);
        const error = await expectStoreError(limited.write('intruder.txt', 'nope'), 'AccessDenied');
        expect(error.message).toMatch(/^store: /);
        await expectStoreError(limited.write('big-intruder.bin', Readable.from([randomBytes(partSize + 1)])), 'AccessDenied');
        if (denied.canRead) {
          expect((await bytesOf(await limited.read('guarded.txt'))).toString()).toBe('guarded');
        } else {
          await expectStoreError(limited.read('guarded.txt'), 'AccessDenied');
        }
        expect(await store.head('intruder.txt')).toBeUndefined();
      });
    }

    it('says what it can sign', async () => {
      const store = await makeStore();
      expect(typeof store.signedUrl === 'function').toBe(store.capabilities.signedUrls);
      expect(typeof store.signedPrefixUrl === 'function').toBe(store.capabilities.prefixSignedUrls);
    });

    const enforced = options.signedUrlsEnforced ?? true;
    it('signs per-object URLs that fetch reads and writes (where supported)', async (context) => {
      const store = await makeStore();
      if (!store.capabilities.signedUrls || !store.signedUrl) return context.skip();
      await store.write('signed/in.txt', 'signed input');
      const readUrl = await store.signedUrl('signed/in.txt', { access: 'read', expiresIn: 300 });
      const got = await fetch(readUrl);
      expect(got.status).toBe(200);
      expect(await got.text()).toBe('signed input');

      const writeUrl = await store.signedUrl('signed/out.txt', { access: 'write', expiresIn: 300 });
      const put = await fetch(writeUrl, { method: 'PUT', body: 'task output', headers: { 'x-ms-blob-type': 'BlockBlob' } });
      expect(put.ok).toBe(true);
      expect((await bytesOf(await store.read('signed/out.txt'))).toString()).toBe('task output');

      if (enforced) {
        const writeWithRead = await fetch(readUrl, { method: 'PUT', body: 'overwrite', headers: { 'x-ms-blob-type': 'BlockBlob' } });
        expect(writeWithRead.status).toBe(403);
        expect((await bytesOf(await store.read('signed/in.txt'))).toString()).toBe('signed input');
        const readWithWrite = await fetch(writeUrl);
        expect(readWithWrite.status).toBe(403);
      }
    });

    it('signs prefix URLs: read+list for inputs, create+write for outputs (where supported)', async (context) => {
      const store = await makeStore();
      if (!store.capabilities.prefixSignedUrls || !store.signedPrefixUrl) return context.skip();
      await store.write('inputs/train.parquet', 'train bytes');
      const readPrefix = await store.signedPrefixUrl('inputs', { access: 'read', expiresIn: 300 });
      const got = await fetch(urlUnderPrefix(readPrefix, 'train.parquet'));
      expect(await got.text()).toBe('train bytes');

      const writePrefix = await store.signedPrefixUrl('outputs', { access: 'write', expiresIn: 300 });
      const put = await fetch(urlUnderPrefix(writePrefix, 'cell/predictions.parquet'), {
        method: 'PUT',
        body: 'preds',
        headers: { 'x-ms-blob-type': 'BlockBlob' },
      });
      expect(put.ok).toBe(true);
      expect((await bytesOf(await store.read('outputs/cell/predictions.parquet'))).toString()).toBe('preds');

      if (enforced) {
        const writeWithRead = await fetch(urlUnderPrefix(readPrefix, 'evil.txt'), {
          method: 'PUT',
          body: 'x',
          headers: { 'x-ms-blob-type': 'BlockBlob' },
        });
        expect(writeWithRead.status).toBe(403);
        const readWithWrite = await fetch(urlUnderPrefix(writePrefix, 'cell/predictions.parquet'));
        expect(readWithWrite.status).toBe(403);
      }
    });
  });
}
