/** Test helpers: the S3 emulator + the loopback AWS Batch service, and backends pointed at them with fast settings. */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { startS3, type S3Handle } from '@mxn/emulators';
import { s3Store, type Store } from '@mxn/storage';
import { startAwsBatchService, type AwsBatchService, type AwsBatchServiceOptions } from '@mxn/testkit';
import { awsBatchBackend } from '../src/aws-batch-backend.js';
import type { AwsBatchBackendOptions } from '../src/options.js';
import type { RunReport } from '../src/run-on-aws-batch.js';

export const CONTRACT_IMAGE = 'mxn.local/contract:1';

export interface Loopback {
  s3: S3Handle;
  batch: AwsBatchService;
  /** A fresh, empty staging prefix and its store. */
  staging(): Promise<{ uri: string; store: Store }>;
  openStore(uri: string): Promise<Store>;
  backend(options?: Partial<AwsBatchBackendOptions> & { onReport?: (report: RunReport) => void }): ReturnType<typeof awsBatchBackend>;
  stop(): Promise<void>;
}

export async function startLoopback(batchOptions: AwsBatchServiceOptions = {}): Promise<Loopback> {
  const s3 = await startS3();
  const batch = await startAwsBatchService({
    runtime: 'process',
    region: s3.region,
    images: { [CONTRACT_IMAGE]: { cwd: tmpdir() } },
    tickMs: 10,
    ...batchOptions,
  });
  const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
  const open = async (uri: string) => s3Store({ uri, endpoint: s3.endpoint, region: s3.region, credentials });
  return {
    s3,
    batch,
    openStore: open,
    async staging() {
      const uri = `s3://${s3.buckets[0]}/t-${randomBytes(4).toString('hex')}`;
      return { uri, store: await open(uri) };
    },
    backend: (options = {}) =>
      awsBatchBackend({
        endpoint: batch.url,
        region: batch.region,
        credentials,
        queue: batch.queueName,
        openStore: open,
        pollIntervalMs: 50,
        ...options,
      }),
    async stop() {
      await batch.stop();
      await s3.stop();
    },
  };
}
