// End to end on the Azure path: the mxn CLI runs the demo experiment with `--backend azure-batch`
// against the loopback Batch service and Azurite, and gets the same per-cell metrics as the local backend.
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentResults } from '@mxn/core';
import { modelFolderImages, startEmulators, type EmulatorsHandle } from '@mxn/testkit';
import { e2eProject, type E2eProject } from './support/project.js';

// The housing demo with fewer variants, so it stays quick.
const experiment = `name: batch-demo
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: busan, train: data/housing/busan.parquet }
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: ridge, build: models/ridge, command: [node, train.js], params: { alpha: [0.1, 10] } }
  - { name: knn, build: models/knn, command: [node, train.js], params: { k: 5 } }
evaluation:
  target: price
  task: regression
  metrics: [rmse, mae, r2, mape]
  split: { test: 0.2, seed: 42 }
aggregate:
  build: models/ensemble
  command: [node, aggregate.js]
compute:
  backend: azure-batch
  concurrency: 2
  maxNodes: 2
  retries: 1
  timeout: 5m
`;

describe('mxn run --backend azure-batch (loopback Batch + Azurite)', () => {
  let project: E2eProject;
  let emulators: EmulatorsHandle;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    project = await e2eProject();
    emulators = await startEmulators({ batch: { images: modelFolderImages(project.root), autoScaleIntervalMs: 200, nodeStartMs: 20, tickMs: 10 } });
    await BlobServiceClient.fromConnectionString(emulators.blob.connectionString).getContainerClient('mxn').createIfNotExists();
    env = { ...emulators.env, MXN_STAGING: `az://${emulators.blob.accountName}/mxn/staging`, MXN_BATCH_POLL_MS: '100' };
    await project.experiment('batch-demo', experiment);
  }, 60_000);
  afterAll(async () => {
    await emulators?.stop();
  });

  it('gives the same per-cell metrics as the local backend, and leaves the pool at zero', { timeout: 90_000 }, async () => {
    const batch = await project.mxn(['run', 'experiments/batch-demo.yaml'], { env });
    expect(batch.stderr).not.toMatch(/error/i);
    expect(batch.code).toBe(0);
    const onBatch: ExperimentResults = await project.results('batch-demo');
    expect(onBatch.backend).toBe('azure-batch');
    expect(onBatch.cells).toHaveLength(9);
    expect(onBatch.cells.every((cell) => cell.status === 'succeeded')).toBe(true);
    expect(onBatch.aggregate?.status).toBe('succeeded');
    expect(onBatch.cells[0]?.output).toMatch(/^az:\/\//);
    expect(emulators.batch!.calls.Task_AddCollection).toBeGreaterThan(0);
    expect(emulators.batch!.poolNodes('mxn')?.targetDedicated).toBe(0);
    expect(emulators.batch!.requestsContaining(emulators.azurite.accountKey)).toEqual([]);

    const local = await project.mxn(['run', 'experiments/batch-demo.yaml', '--backend', 'local']);
    expect(local.code).toBe(0);
    const onLocal: ExperimentResults = await project.results('batch-demo');
    expect(onLocal.backend).toBe('local');
    const metrics = (results: ExperimentResults) => Object.fromEntries(results.cells.map((cell) => [cell.id, cell.metrics]));
    expect(metrics(onBatch)).toEqual(metrics(onLocal));
  });
});
