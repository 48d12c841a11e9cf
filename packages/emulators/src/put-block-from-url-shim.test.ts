import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStorageEmulators, type StorageEmulatorsHandle } from './index.js';

let emu: StorageEmulatorsHandle;
let s3Client: import('@aws-sdk/client-s3').S3Client;
let container: import('@azure/storage-blob').ContainerClient;
const sdk = await import('@aws-sdk/client-s3');
const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
const blob = await import('@azure/storage-blob');

beforeAll(async () => {
  emu = await startStorageEmulators();
  s3Client = new sdk.S3Client({
    endpoint: emu.s3.endpoint,
    forcePathStyle: true,
    region: emu.s3.region,
    credentials: { accessKeyId: emu.s3.accessKeyId, secretAccessKey: emu.s3.secretAccessKey },
  });
  container = blob.BlobServiceClient.fromConnectionString(emu.blob.connectionString).getContainerClient('shim');
  await container.create();
});
afterAll(() => emu?.stop());

async function s3Object(key: string, body: Buffer): Promise<string> {
  await s3Client.send(new sdk.PutObjectCommand({ Bucket: 'mxn', Key: key, Body: body }));
  return getSignedUrl(s3Client, new sdk.GetObjectCommand({ Bucket: 'mxn', Key: key }), { expiresIn: 600 });
}

describe('Put Block From URL shim', () => {
  it('pulls block ranges from a presigned S3 URL itself; the client sends no object bytes', async () => {
    const body = randomBytes(300_000);
    const url = await s3Object('src/a.bin', body);
    emu.blob.resetStats();
    const target = container.getBlockBlobClient('dst/a.bin');
    const ids = ['YmxvY2stMA==', 'YmxvY2stMQ=='];
    await target.stageBlockFromURL(ids[0]!, url, 0, 200_000);
    await target.stageBlockFromURL(ids[1]!, url, 200_000, 100_000);
    await target.commitBlockList(ids);
    expect(await target.downloadToBuffer()).toEqual(body);
    const stats = emu.blob.stats();
    expect(stats.bytesPulled).toBe(body.length);
    expect(stats.copyRequests).toBe(2);
    expect(stats.clientBytesIn).toBeLessThan(1000); // only the block list XML
  });

  it('serves Copy Blob From URL for an outside source, synchronously', async () => {
    const body = randomBytes(50_000);
    const url = await s3Object('src/b.bin', body);
    const target = container.getBlockBlobClient('dst/b.bin');
    const copied = await target.syncCopyFromURL(url);
    expect(copied.copyStatus).toBe('success');
    expect(await target.downloadToBuffer()).toEqual(body);
  });

  it('serves Put Blob From URL like the service: 201 with the stored Content-MD5, and checks the source MD5', async () => {
    const body = randomBytes(70_000);
    const url = await s3Object('src/p.bin', body);
    const target = container.getBlockBlobClient('dst/p.bin');
    const md5 = createHash('md5').update(body).digest();
    const done = await target.syncUploadFromURL(url, { sourceContentMD5: md5 });
    expect(Buffer.from(done.contentMD5!)).toEqual(md5);
    expect(await target.downloadToBuffer()).toEqual(body);
    const other = container.getBlockBlobClient('dst/p2.bin');
    await expect(other.syncUploadFromURL(url, { sourceContentMD5: new Uint8Array(16) })).rejects.toMatchObject({ statusCode: 400 });
    expect(await other.exists()).toBe(false);
  });

  it('answers like the service when the source is missing, and checks x-ms-source-content-md5', async () => {
    const target = container.getBlockBlobClient('dst/c.bin');
    const missing = `${emu.s3.endpoint}/mxn/no/such/object`;
    await expect(target.stageBlockFromURL('YmxvY2stMA==', missing, 0, 10)).rejects.toMatchObject({
      statusCode: 404,
      code: 'CannotVerifyCopySource',
    });
    const url = await s3Object('src/c.bin', Buffer.from('0123456789'));
    await expect(target.stageBlockFromURL('YmxvY2stMA==', url, 0, 10, { sourceContentMD5: new Uint8Array(16) })).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it('leaves authorization to Azurite: a read-only SAS cannot pull a block', async () => {
    const url = await s3Object('src/d.bin', randomBytes(1000));
    const sas = blob
      .generateBlobSASQueryParameters(
        { containerName: 'shim', permissions: blob.ContainerSASPermissions.parse('rl'), expiresOn: new Date(Date.now() + 600_000) },
        new blob.StorageSharedKeyCredential(emu.blob.accountName, emu.blob.accountKey),
      )
      .toString();
    const readOnly = new blob.BlockBlobClient(`${emu.blob.blobEndpoint}/shim/dst/d.bin?${sas}`);
    emu.blob.resetStats();
    await expect(readOnly.stageBlockFromURL('YmxvY2stMA==', url, 0, 1000)).rejects.toMatchObject({ statusCode: 403 });
    expect(emu.blob.stats().bytesPulled).toBe(0);
  });

  it('passes ordinary requests through to Azurite', async () => {
    await container.getBlockBlobClient('plain.txt').upload('plain', 5);
    const names = [];
    for await (const item of container.listBlobsFlat({ prefix: 'plain' })) names.push(item.name);
    expect(names).toEqual(['plain.txt']);
  });
});

describe('S3 server', () => {
  it('halts (connections refused) and resumes on the same port with its objects', async () => {
    await s3Client.send(new sdk.PutObjectCommand({ Bucket: 'mxn', Key: 'keep.txt', Body: 'kept' }));
    await emu.s3.halt();
    await expect(fetch(`${emu.s3.endpoint}/mxn/keep.txt`)).rejects.toThrow();
    await emu.s3.resume();
    const got = await s3Client.send(new sdk.GetObjectCommand({ Bucket: 'mxn', Key: 'keep.txt' }));
    expect(await got.Body!.transformToString()).toBe('kept');
  });

  it('lists across pages (continuation tokens work on OpenSSL 3)', async () => {
    await Promise.all([1, 2, 3].map((i) => s3Client.send(new sdk.PutObjectCommand({ Bucket: 'mxn', Key: `pages/${i}`, Body: 'x' }))));
    const first = await s3Client.send(new sdk.ListObjectsV2Command({ Bucket: 'mxn', Prefix: 'pages/', MaxKeys: 2 }));
    const second = await s3Client.send(
      new sdk.ListObjectsV2Command({ Bucket: 'mxn', Prefix: 'pages/', MaxKeys: 2, ContinuationToken: first.NextContinuationToken }),
    );
    expect([...first.Contents!, ...second.Contents!].map((o) => o.Key)).toEqual(['pages/1', 'pages/2', 'pages/3']);
  });
});
