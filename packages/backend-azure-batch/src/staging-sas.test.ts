import { randomBytes } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachePaths, storeAddresses } from '@mxn/core';
import { azureBlobStore, joinKey, type Store } from '@mxn/storage';
import { startAzurite, type AzuriteHandle } from '@mxn/emulators';
import { stagingSas } from './staging-sas.js';

let azurite: AzuriteHandle;
let store: Store;
beforeAll(async () => {
  azurite = await startAzurite();
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('sas').createIfNotExists();
  store = await azureBlobStore({
    uri: `az://${azurite.accountName}/sas/t-${randomBytes(4).toString('hex')}`,
    connectionString: azurite.connectionString,
  });
  await store.write('inputs/k1/train.parquet', 'train');
  await store.write('inputs/k1/test.parquet', 'test');
  await store.write('inputs/k10/train.parquet', 'other dataset');
  await store.write('labels/k1/labels.parquet', 'labels');
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
});

const v = { 'x-ms-version': '2021-12-02' };
const get = (url: string) => fetch(url, { headers: v }).then(async (r) => [r.status, r.ok ? await r.text() : ''] as const);
const put = (url: string, name: string) =>
  fetch(url.replace('?', `/${name}?`), { method: 'PUT', headers: { ...v, 'x-ms-blob-type': 'BlockBlob' }, body: 'x' }).then(
    (r) => r.status,
  );

describe('staging SAS URLs', () => {
  it('signs one read-only URL per object under exactly the input prefix, and the container read URL only when asked', async () => {
    const sas = await stagingSas(store, 600);
    expect(sas.readUrl).toBeUndefined();
    const files = await sas.inputFiles('inputs/k1', 'in');
    expect(files.map((file) => file.filePath).sort()).toEqual(['in/test.parquet', 'in/train.parquet']);
    const train = files.find((file) => file.filePath === 'in/train.parquet')!.httpUrl!;
    expect(new URL(train).searchParams.get('sp')).toBe('r');
    expect(new URL(train).searchParams.get('sr')).toBe('b');
    expect(await get(train)).toEqual([200, 'train']);
    // Signed for its blob: the same token on the labels is refused.
    expect((await get(train.replace('inputs/k1/train.parquet', 'labels/k1/labels.parquet')))[0]).toBe(403);
    expect((await stagingSas(store, 600, { containerRead: true })).readUrl).toMatch(/sp=rl/);
  });

  it('covers nothing of the cache store: labels, results and digests sit in a container the tokens are refused in', async () => {
    const { cache } = storeAddresses({ root: '/p', spec: { compute: {} } }, { staging: store.uri, env: {} });
    expect(cache).toBe(store.uri.replace('/sas/', '/sas-private/'));
    const harness = await azureBlobStore({ uri: cache, connectionString: azurite.connectionString });
    const labels = joinKey(cachePaths.labels('k1'), 'labels.parquet');
    await harness.write(labels, 'labels');
    const sas = await stagingSas(store, 600, { containerRead: true });
    // A task's SAS on the cache container's URL (`<endpoint>/sas-private?<sas>`), for the cache store's blob names.
    const cacheContainer = (url: string) => url.replace(/\/sas\?/, '/sas-private?');
    expect(cacheContainer(sas.writeUrl)).toContain('/sas-private?');
    for (const key of [labels, cachePaths.cell('k1'), cachePaths.digest(cachePaths.cell('k1'))]) {
      expect(await put(cacheContainer(sas.writeUrl), sas.blobName(key))).toBe(403);
    }
    expect((await get(cacheContainer(sas.readUrl!).replace('?', `/${sas.blobName(labels)}?`)))[0]).toBe(403);
    expect(await put(sas.writeUrl, 'outputs/ok.txt')).toBe(201);
    expect(await harness.head(cachePaths.cell('k1'))).toBeUndefined();
  });

  it('gives tokens that really expire', { timeout: 20_000 }, async () => {
    // `se` has whole seconds, so a 5 s token may live only 4 s: room for the first get and put on a loaded machine.
    const sas = await stagingSas(store, 5);
    const [file] = await sas.inputFiles('inputs/k1', 'in');
    expect((await get(file!.httpUrl!))[0]).toBe(200);
    expect(await put(sas.writeUrl, 'expiry/before.txt')).toBe(201);
    // Wait past `se`.
    await new Promise((resolve) => setTimeout(resolve, 6200));
    expect((await get(file!.httpUrl!))[0]).toBe(403);
    expect(await put(sas.writeUrl, 'expiry/after.txt')).toBe(403);
  });
});
