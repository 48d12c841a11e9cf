import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3, type S3Handle } from '@mxn/emulators';
import { expectStoreError, testStore } from '../testing/index.js';
import { openStore } from '../open-store.js';
import { parseS3Uri, s3Store } from './s3.js';

let s3: S3Handle;
beforeAll(async () => {
  s3 = await startS3({ buckets: ['mxn'] });
});
afterAll(() => s3?.stop());

const PART = 5 * 1024 * 1024; // S3's minimum part size
let n = 0;
const make = (prefix = `contract-${n++}`, secret?: string) =>
  s3Store({
    uri: `s3://mxn/${prefix}`,
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId: secret ? 'WRONG' : s3.accessKeyId, secretAccessKey: secret ?? s3.secretAccessKey },
    partSize: PART,
  });

testStore('s3 (s3rver)', () => make(), {
  partSize: PART,
  // s3rver checks the access key id but not SigV4 signatures, so what a presigned URL allows is not enforced here.
  signedUrlsEnforced: false,
  denied: { make: async (store) => make(store.uri.slice('s3://mxn/'.length), 'not-the-secret-key') },
});

describe('s3 driver', () => {
  it('records an MD5 given up front on a multipart upload, and refuses bytes that do not match it', async () => {
    const store = await make();
    const body = Buffer.alloc(PART * 2 + 7, 7);
    const md5 = createHash('md5').update(body).digest('base64');
    const before = s3.traffic().bytesIn;
    const written = await store.write('mp.bin', body, { md5 });
    expect(written.md5).toBe(md5);
    expect((await store.head('mp.bin'))?.md5).toBe(md5);
    expect(s3.traffic().bytesIn - before).toBeLessThan(body.length + 50_000); // sent once, no self-copy round
    await expect(store.write('bad.bin', body, { md5: createHash('md5').update('other').digest('base64') })).rejects.toMatchObject({
      code: 'Integrity',
    });
    expect(await store.head('bad.bin')).toBeUndefined();
  });

  it('writes a body within one part in one PUT with Content-MD5, and refuses bytes that do not match the MD5 given', async () => {
    const store = await make();
    const body = Buffer.alloc(300_000, 3);
    const md5 = createHash('md5').update(body).digest('base64');
    const chunks = (data: Buffer) => Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]);
    const before = s3.traffic().bytesIn;
    const written = await store.write('one.bin', chunks(body), { size: body.length, md5 });
    expect(written).toMatchObject({ size: body.length, md5 });
    expect(s3.traffic().bytesIn - before).toBeLessThan(body.length + 5_000); // one request
    expect((await store.head('one.bin'))?.md5).toBe(md5);
    const other = Buffer.from(body);
    other[5] = 0;
    await expect(store.write('bad.bin', chunks(other), { size: body.length, md5 })).rejects.toMatchObject({ code: 'Integrity' });
    expect(await store.head('bad.bin')).toBeUndefined();
    // Shorter or longer than the source: refused, nothing is left.
    await expect(store.write('short.bin', chunks(body.subarray(0, 200_000)), { size: body.length, md5 })).rejects.toMatchObject({
      code: 'Integrity',
    });
    await expect(store.write('long.bin', chunks(Buffer.concat([body, body])), { size: body.length, md5 })).rejects.toMatchObject({
      code: 'Integrity',
    });
    expect(await store.head('short.bin')).toBeUndefined();
    expect(await store.head('long.bin')).toBeUndefined();
  });

  it('parses s3:// URIs', () => {
    expect(parseS3Uri('s3://bucket/a/b/')).toEqual({ bucket: 'bucket', prefix: 'a/b' });
    expect(parseS3Uri('s3://bucket')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(() => parseS3Uri('s3:///x')).toThrow(/not an S3 URI/);
  });

  it('opens s3:// through openStore from the standard AWS environment variables alone', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, s3.env);
    try {
      const store = await openStore('s3://mxn/env-check');
      await store.write('a.txt', 'from env');
      expect((await store.head('a.txt'))?.size).toBe(8);
      expect(store.uri).toBe('s3://mxn/env-check');
    } finally {
      process.env = saved;
    }
  });

  it('keeps secrets out of error messages and causes', async () => {
    const secret = 'sUpErSeCrEt/KEY+value0123456789';
    const store = await make('secret-check', secret);
    const error = await expectStoreError(store.write('x.txt', 'x'), 'AccessDenied');
    expect(error.message).toMatch(/^store: s3 write s3:\/\/mxn\/secret-check\/x.txt/);
    expect(`${error.message}\n${inspect(error, { depth: 5 })}\n${JSON.stringify(error)}`).not.toContain(secret);
  });

  it('maps a missing bucket to NotFound and an unreachable server to Transient', async () => {
    const missing = await s3Store({
      uri: 's3://no-such-bucket/x',
      endpoint: s3.endpoint,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    await expectStoreError(missing.read('a'), 'NotFound');
    const down = await s3Store({
      uri: 's3://mxn/x',
      endpoint: 'http://127.0.0.1:9',
      maxAttempts: 1,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    await expectStoreError(down.read('a'), 'Transient');
  });

  it('records the MD5 of a multi-part object so heads can compare content', async () => {
    const store = await make();
    const body = Buffer.alloc(PART + 10, 7);
    const written = await store.write('mp.bin', body);
    expect((await store.head('mp.bin'))?.md5).toBe(written.md5);
    expect(written.md5).toBe((await import('node:crypto')).createHash('md5').update(body).digest('base64'));
  });
});
