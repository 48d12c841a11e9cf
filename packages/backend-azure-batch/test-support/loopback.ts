/** Test helpers: Azurite + the loopback Batch service, and backends pointed at them with fast settings. */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { BlobServiceClient } from '@azure/storage-blob';
import { azureBlobStore, type Store } from '@mxn/storage';
import { startAzurite, type AzuriteHandle } from '@mxn/emulators';
import { LOOPBACK_TEST_TIME, startBatchService, type BatchService, type BatchServiceOptions } from '@mxn/testkit';
import { azureBatchBackend } from '../src/azure-batch-backend.js';
import type { AzureBatchBackendOptions } from '../src/options.js';

export const CONTRACT_IMAGE = 'mxn.local/contract:1';
/**
 * The fixed "now" of the loopback service's and the backend's end-of-support checks, so that tests do
 * not change as real time passes the service's dates (Ubuntu 22.04 images end 2027-06-30, 24.04 ones
 * 2029-06-30): with it, microsoft-dsvm/ubuntu-hpc/2404 is "supported until 2029-06-30" and needs no warning.
 */
export const TEST_NOW = new Date(LOOPBACK_TEST_TIME);

export interface Loopback {
  azurite: AzuriteHandle;
  batch: BatchService;
  container: string;
  /** A fresh, empty staging prefix and its store. */
  staging(): Promise<{ uri: string; store: Store }>;
  /** Opens a staging URI on Azurite. */
  openStore(uri: string): Promise<Store>;
  backend(options?: Partial<AzureBatchBackendOptions>): ReturnType<typeof azureBatchBackend>;
  stop(): Promise<void>;
}

export async function startLoopback(batchOptions: BatchServiceOptions = {}): Promise<Loopback> {
  const azurite = await startAzurite();
  const batch = await startBatchService({
    images: { [CONTRACT_IMAGE]: { cwd: tmpdir() } },
    enableAutoScaleMinIntervalMs: 0,
    autoScaleIntervalMs: 200,
    nodeStartMs: 20,
    tickMs: 10,
    clock: () => TEST_NOW,
    ...batchOptions,
  });
  const container = 'staging';
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container).createIfNotExists();
  const open = (uri: string) => azureBlobStore({ uri, connectionString: azurite.connectionString });
  return {
    azurite,
    batch,
    container,
    openStore: open,
    async staging() {
      const uri = `az://${azurite.accountName}/${container}/t-${randomBytes(4).toString('hex')}`;
      return { uri, store: await open(uri) };
    },
    backend: (options = {}) =>
      azureBatchBackend({
        accountUrl: batch.url,
        accountName: batch.accountName,
        accountKey: batch.accountKey,
        openStore: open,
        pollIntervalMs: 60,
        retry: { baseDelayMs: 20, maxDelayMs: 2000, maxElapsedMs: 20_000 },
        now: () => TEST_NOW,
        ...options,
      }),
    async stop() {
      await batch.stop();
      await azurite.stop();
    },
  };
}

/** Waits until `condition` holds (checked every 20 ms), up to `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
