import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '@mxn/emulators';
import { expectStoreError, testStore } from '../testing/index.js';
import { openStore } from '../open-store.js';
import { azureBlobStore } from './azure-blob.js';
import { parseBlobUri } from './azure-location.js';

let azurite: AzuriteHandle;
beforeAll(async () => {
  azurite = await startAzurite();
  const { BlobServiceClient } = await import('@azure/storage-blob');
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('mxn').create();
});
afterAll(() => azurite?.stop());

const BLOCK = 256 * 1024;
let n = 0;
const make = (prefix = `contract-${n++}`) =>
  azureBlobStore({ uri: `az://devstoreaccount1/mxn/${prefix}`, connectionString: azurite.connectionString, blockSize: BLOCK });
const sasOf = (url: string) => new URL(url).search.slice(1);

testStore('azure-blob (Azurite)', () => make(), {
  partSize: BLOCK,
  denied: {
    // A store opened with a read-only container SAS, as a task gets for its inputs.
    make: async (store) => {
      const sas = sasOf(await store.signedPrefixUrl!('', { access: 'read', expiresIn: 600 }));
      return azureBlobStore({ uri: store.uri, sasToken: sas, blobEndpoint: azurite.blobEndpoint, blockSize: BLOCK });
    },
    canRead: true,
  },
});

describe('azure-blob driver', () => {
  it('refuses bytes that differ from the MD5 given up front, single or in blocks, leaving no blob', async () => {
    const store = await make();
    for (const size of [1000, 3 * BLOCK + 5]) {
      const body = Buffer.alloc(size, 1);
      const md5 = createHash('md5').update(Buffer.alloc(size, 2)).digest('base64');
      await expect(store.write(`bad-${size}.bin`, body, { md5 })).rejects.toMatchObject({ code: 'Integrity' });
      expect(await store.head(`bad-${size}.bin`)).toBeUndefined();
    }
  });

  it('parses az:// and https:// URIs', () => {
    expect(parseBlobUri('az://acct/cont/a/b')).toEqual({ account: 'acct', container: 'cont', prefix: 'a/b' });
    expect(parseBlobUri('https://acct.blob.core.windows.net/cont/a/b?sv=1&sig=x')).toMatchObject({
      account: 'acct',
      container: 'cont',
      prefix: 'a/b',
      endpoint: 'https://acct.blob.core.windows.net',
      sas: 'sv=1&sig=x',
    });
    expect(() => parseBlobUri('az://acct')).toThrow(/not an Azure Blob URI/);
  });

  it('opens az:// through openStore from AZURE_STORAGE_CONNECTION_STRING alone (its BlobEndpoint decides the URL)', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, azurite.env);
    try {
      const store = await openStore('az://devstoreaccount1/mxn/env-check');
      await store.write('a.txt', 'from env');
      expect((await store.head('a.txt'))?.md5).toBeDefined();
    } finally {
      process.env = saved;
    }
  });

  it('uses AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AZURE_STORAGE_ACCOUNT: azurite.accountName, AZURE_STORAGE_KEY: azurite.accountKey });
    delete process.env.AZURE_STORAGE_CONNECTION_STRING;
    try {
      const store = await azureBlobStore({ uri: 'az://devstoreaccount1/mxn/key-check', blobEndpoint: azurite.blobEndpoint });
      await store.write('k.txt', 'k');
      expect(store.capabilities.signedUrls).toBe(true);
    } finally {
      process.env = saved;
    }
  });

  it('a store opened with a SAS cannot sign further URLs', async () => {
    const store = await make();
    const sas = sasOf(await store.signedPrefixUrl!('', { access: 'read' }));
    const limited = await azureBlobStore({ uri: store.uri, sasToken: sas, blobEndpoint: azurite.blobEndpoint });
    expect(limited.capabilities.signedUrls).toBe(false);
    expect(limited.signedUrl).toBeUndefined();
  });

  it('keeps keys and SAS signatures out of error messages and causes', async () => {
    const store = await make('secrets');
    const wrongKey = Buffer.from('definitely not the account key, but secret').toString('base64');
    const wrong = await azureBlobStore({ uri: store.uri, accountKey: wrongKey, blobEndpoint: azurite.blobEndpoint });
    const error = await expectStoreError(wrong.write('x.txt', 'x'), 'AccessDenied');
    const readUrl = await store.signedPrefixUrl!('', { access: 'read' });
    const sig = new URL(readUrl).searchParams.get('sig')!;
    const limited = await azureBlobStore({ uri: store.uri, sasToken: sasOf(readUrl), blobEndpoint: azurite.blobEndpoint });
    const denied = await expectStoreError(limited.write('y.txt', 'y'), 'AccessDenied');
    for (const e of [error, denied]) {
      const shown = `${e.message}\n${inspect(e, { depth: 6 })}\n${JSON.stringify(e)}`;
      expect(shown).not.toContain(wrongKey);
      expect(shown).not.toContain(azurite.accountKey);
      expect(shown).not.toContain(sig);
      expect(shown).not.toContain(encodeURIComponent(sig));
    }
    expect(error.message).toMatch(/^store: azure-blob write az:\/\/devstoreaccount1\/mxn\/secrets\/x.txt/);
  });

  it('maps an unreachable service to Transient', async () => {
    const down = await azureBlobStore({
      uri: 'az://devstoreaccount1/mxn/x',
      connectionString: azurite.connectionString,
      blobEndpoint: 'http://127.0.0.1:9/devstoreaccount1',
      maxTries: 1,
    });
    await expectStoreError(down.read('a'), 'Transient');
  });
});
