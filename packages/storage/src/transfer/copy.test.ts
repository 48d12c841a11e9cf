import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { Transform } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStorageEmulators, type StorageEmulatorsHandle } from '@mxn/emulators';
import { azureBlobStore } from '../drivers/azure-blob.js';
import { s3Store } from '../drivers/s3.js';
import { readBytes } from '../io.js';
import type { Store } from '../store.js';
import { copy } from './copy.js';
import type { CopyProgress } from './progress.js';

let emu: StorageEmulatorsHandle;
const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('base64');
const BLOCK = 256 * 1024;
const quick = { attempts: 2, baseDelayMs: 10 };

beforeAll(async () => {
  emu = await startStorageEmulators();
  const { BlobServiceClient } = await import('@azure/storage-blob');
  await BlobServiceClient.fromConnectionString(emu.blob.connectionString).getContainerClient('mxn').create();
});
afterAll(() => emu?.stop());

const s3 = (prefix: string, maxAttempts = 3) =>
  s3Store({
    uri: `s3://mxn/${prefix}`,
    endpoint: emu.s3.endpoint,
    credentials: { accessKeyId: emu.s3.accessKeyId, secretAccessKey: emu.s3.secretAccessKey },
    partSize: 5 * 1024 * 1024,
    maxAttempts,
  });
const blob = (prefix: string) =>
  azureBlobStore({ uri: `az://devstoreaccount1/mxn/${prefix}`, connectionString: emu.blob.connectionString, blockSize: BLOCK });

async function fill(store: Store, files: Record<string, Buffer>): Promise<void> {
  await Promise.all(Object.entries(files).map(([key, body]) => store.write(key, body)));
}
async function keysOf(store: Store): Promise<string[]> {
  const keys = [];
  for await (const info of store.list()) keys.push(info.key);
  return keys.sort();
}

describe('copy', () => {
  it('copies S3 → Blob server-side: the service pulls blocks from presigned URLs, no object bytes pass through the runner', async () => {
    const files = { 'a.bin': randomBytes(3 * BLOCK + 1234), 'dir/b.bin': randomBytes(1000), 'empty.txt': Buffer.alloc(0) };
    const source = await s3('s2b');
    await fill(source, files);
    const destination = await blob('s2b');
    emu.blob.resetStats();
    const s3Before = emu.s3.traffic().bytesOut;
    const result = await copy(source, destination, { concurrency: 2 });
    expect(result.copied.map((c) => c.method)).toEqual(['server-side', 'server-side', 'server-side']);
    for (const [key, body] of Object.entries(files)) expect(md5(await readBytes(destination, key))).toBe(md5(body));
    const total = Object.values(files).reduce((sum, body) => sum + body.length, 0);
    const stats = emu.blob.stats();
    expect(stats.bytesPulled).toBe(total);
    expect(stats.clientBytesIn).toBeLessThan(2000); // block lists only
    expect(emu.s3.traffic().bytesOut - s3Before).toBeLessThan(total + 20_000); // S3 served the shim, not the runner twice
    expect((await destination.head('a.bin'))?.md5).toBe(md5(files['a.bin']));
  });

  it('copies Blob → S3 streamed, multi-part with parallel parts, and verifies', async () => {
    const files = { 'big.bin': randomBytes(5 * 1024 * 1024 + 4321), 'small.txt': Buffer.from('small') };
    const source = await blob('b2s');
    await fill(source, files);
    const destination = await s3('b2s');
    const events: CopyProgress[] = [];
    const result = await copy(source, destination, { onProgress: (p) => events.push(p) });
    expect(result.copied.map((c) => c.method).sort()).toEqual(['stream', 'stream']);
    for (const [key, body] of Object.entries(files)) expect(md5(await readBytes(destination, key))).toBe(md5(body));
    const last = events.at(-1)!;
    expect(last).toMatchObject({ event: 'done', filesDone: 2, filesTotal: 2, bytesDone: 5 * 1024 * 1024 + 4326 });
    expect(events.some((e) => e.event === 'bytes')).toBe(true);
  });

  it('skips objects already identical, and copies only what changed', async () => {
    const source = await s3('skip');
    await fill(source, { 'one.txt': Buffer.from('one'), 'two.txt': Buffer.from('two') });
    const destination = await blob('skip');
    await copy(source, destination);
    emu.blob.resetStats();
    const again = await copy(source, destination);
    expect(again.skipped.sort()).toEqual(['one.txt', 'two.txt']);
    expect(emu.blob.stats().copyRequests).toBe(0);
    await source.write('two.txt', 'TWO');
    const changed = await copy(source, destination);
    expect(changed.copied.map((c) => c.key)).toEqual(['two.txt']);
    expect((await readBytes(destination, 'two.txt')).toString()).toBe('TWO');
  });

  it('dry run: says what would be copied (and how) and what skipped, and writes nothing', async () => {
    const source = await s3('dry-src');
    const destination = await blob('dry-dst');
    const same = randomBytes(1000);
    await fill(source, { 'same.bin': same, 'new.bin': randomBytes(2000) });
    await destination.write('same.bin', same);
    emu.blob.resetStats();
    const planned = await copy(source, destination, { dryRun: true });
    expect(planned.planned).toEqual([
      { key: 'new.bin', size: 2000, action: 'copy', method: 'server-side' },
      { key: 'same.bin', size: 1000, action: 'skip' },
    ]);
    expect(planned.bytes).toBe(2000);
    expect(await keysOf(destination)).toEqual(['same.bin']);
    expect(emu.blob.stats().copyRequests).toBe(0);
    expect((await copy(source, await s3('dry-dst'), { dryRun: true })).planned?.map((item) => item.method)).toEqual(['stream', 'stream']);
  });

  it('creates a missing destination container on first write', async () => {
    const source = await s3('nocontainer');
    await fill(source, { 'a.bin': randomBytes(BLOCK * 2 + 10), 'b.bin': randomBytes(100) });
    const destination = await azureBlobStore({
      uri: `az://devstoreaccount1/fresh-${Date.now()}/x`,
      connectionString: emu.blob.connectionString,
      blockSize: BLOCK,
    });
    const streamed = await azureBlobStore({
      uri: `az://devstoreaccount1/fresh2-${Date.now()}/x`,
      connectionString: emu.blob.connectionString,
      blockSize: BLOCK,
    });
    await copy(source, destination, { retry: quick });
    await copy(source, streamed, { serverSide: false, retry: quick });
    for (const store of [destination, streamed]) expect(await keysOf(store)).toEqual(['a.bin', 'b.bin']);
  });

  it('copies single objects by URI, using the standard environment variables', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, emu.env);
    try {
      const source = await s3('uri');
      await source.write('data/train.parquet', 'parquet bytes');
      await copy('s3://mxn/uri/data/train.parquet', 'az://devstoreaccount1/mxn/uri-into/');
      await copy('s3://mxn/uri/data/train.parquet', 'az://devstoreaccount1/mxn/uri-as/renamed.parquet');
      const destination = await blob('');
      expect((await readBytes(destination, 'uri-into/train.parquet')).toString()).toBe('parquet bytes');
      expect((await readBytes(destination, 'uri-as/renamed.parquet')).toString()).toBe('parquet bytes');
      const back = await copy('az://devstoreaccount1/mxn/uri-into/', 's3://mxn/uri-back');
      expect(back.copied).toHaveLength(1);
      expect((await readBytes(await s3('uri-back'), 'train.parquet')).toString()).toBe('parquet bytes');
    } finally {
      process.env = saved;
    }
  });

  it('refuses a source that names nothing (NotFound, exit class input), but copies an empty prefix ending in "/"', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, emu.env);
    try {
      for (const missing of ['s3://mxn/uri/no-such-object.parquet', `${tmpdir()}/mxn-no-such-dir/data.parquet`]) {
        await expect(copy(missing, 'az://devstoreaccount1/mxn/never/'), missing).rejects.toMatchObject({
          name: 'StoreError',
          code: 'NotFound',
          exitClass: 'input',
          message: expect.stringMatching(/^store: copy: .*no-such.* does not exist \(no object, and no objects under it\)$/),
          hint: expect.stringContaining('ends with "/"'),
        });
      }
      expect((await copy('s3://mxn/uri/no-such-prefix/', 'az://devstoreaccount1/mxn/never/')).copied).toEqual([]);
    } finally {
      process.env = saved;
    }
  });

  it('copies whole objects to a destination that starts reading the body late (as a lazily loaded SDK does)', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { localStore } = await import('../drivers/local.js');
    const dir = await mkdtemp(`${tmpdir()}/mxn-copy-`);
    const bytes = randomBytes(300 * 1024);
    await writeFile(`${dir}/one.bin`, bytes);
    const target = localStore({ root: `${dir}/out` });
    const late: Store = {
      ...target,
      async write(key, body, options) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return target.write(key, body, options);
      },
    };
    const result = await copy(localStore({ root: dir }), late);
    expect(result.copied.map((object) => object.key)).toEqual(['one.bin']);
    expect(md5(await readBytes(target, 'one.bin'))).toBe(md5(bytes));
  });

  it('catches a corrupted byte and leaves no corrupted object', async () => {
    const source = await blob('corrupt');
    await fill(source, { 'x.bin': randomBytes(100_000) });
    const real = await s3('corrupt');
    let flipped = false;
    const flipOne = () =>
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          if (!flipped && chunk.length > 10) {
            const copyOf = Buffer.from(chunk);
            copyOf[10] = copyOf[10]! ^ 0xff;
            flipped = true;
            return done(null, copyOf);
          }
          done(null, chunk);
        },
      });
    const corrupting: Store = {
      ...real,
      write: (key, body, options) =>
        real.write(key, typeof body === 'string' || body instanceof Uint8Array ? body : body.pipe(flipOne()), options),
    };
    await expect(copy(source, corrupting, { retry: quick })).rejects.toMatchObject({ code: 'Integrity' });
    expect(flipped).toBe(true);
    expect(await real.head('x.bin')).toBeUndefined();
  });

  it('fails clearly when the S3 server stops mid-copy; a rerun finishes, skips what was copied, leaves no partial object', async () => {
    const files = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}.bin`, randomBytes(400_000)]));
    const source = await blob('fault');
    await fill(source, files);
    const destination = await s3('fault', 1);
    let halted: Promise<void> | undefined;
    const failed = copy(source, destination, {
      concurrency: 2,
      retry: quick,
      onProgress: (p) => {
        if (p.event === 'copied' && !halted) halted = emu.s3.halt();
      },
    });
    const error = await failed.then(
      () => undefined,
      (caught: Error & { code?: string }) => caught,
    );
    await halted;
    expect(error?.name).toBe('StoreError');
    expect(error?.code).toBe('Transient');
    expect(error?.message).toMatch(/^store: copy: \d of 8 objects failed \(\d+ copied, 0 skipped\); first: f\d\.bin: s3 /);

    await emu.s3.resume();
    const rerun = await copy(source, destination, { concurrency: 2, retry: quick });
    expect(rerun.skipped.length).toBeGreaterThanOrEqual(1);
    expect(rerun.skipped.length + rerun.copied.length).toBe(8);
    expect(await keysOf(destination)).toEqual(Object.keys(files).sort());
    for (const [key, body] of Object.entries(files)) expect((await destination.head(key))?.md5).toBe(md5(body));
  });
});
