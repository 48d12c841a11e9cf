// End to end on the Azure path: the mxn CLI runs the unchanged demo experiment (experiments/housing-demo.yaml)
// with its datasets in S3 and `compute.backend: azure-batch`, against the loopback Batch service, Azurite and
// the S3 emulator, and gets the same per-cell metrics as the local backend's run of the same file.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentResults } from '@mxn/core';
import { copy } from '@mxn/storage';
import { fixedClock, modelFolderImages, startEmulators, type EmulatorsHandle } from '@mxn/testkit';
import { e2eProject, repoRoot, type E2eProject } from './support/project.js';

const REGIONS = ['seoul', 'busan', 'daegu'];

/** The demo file with its datasets read from S3 and its backend switched to azure-batch; nothing else changes. */
async function demoOnBatch(): Promise<string> {
  const text = await readFile(path.join(repoRoot, 'experiments/housing-demo.yaml'), 'utf8');
  const rewritten = text
    .replace(/train: data\/housing\/(\w+)\.parquet/g, 'train: s3://mxn/datasets/housing/$1.parquet')
    .replace(/backend: local\b/, 'backend: azure-batch');
  expect(rewritten.match(/s3:\/\/mxn\/datasets\/housing\//g)).toHaveLength(REGIONS.length);
  expect(rewritten).toContain('backend: azure-batch');
  return rewritten;
}

describe('mxn run on azure-batch: the demo with datasets in S3 (loopback Batch + Azurite + S3)', () => {
  let project: E2eProject;
  let emulators: EmulatorsHandle;
  let env: NodeJS.ProcessEnv;
  let saved: NodeJS.ProcessEnv;

  beforeAll(async () => {
    project = await e2eProject();
    emulators = await startEmulators({
      batch: { images: modelFolderImages(project.root), autoScaleIntervalMs: 200, nodeStartMs: 20, tickMs: 10, clock: fixedClock() },
    });
    await BlobServiceClient.fromConnectionString(emulators.blob.connectionString).getContainerClient('mxn').createIfNotExists();
    // This process seeds S3 through the SDKs' own variables, as a user's shell would.
    saved = { ...process.env };
    Object.assign(process.env, emulators.env);
    for (const region of REGIONS)
      await copy(path.join(repoRoot, 'data/housing', `${region}.parquet`), `s3://mxn/datasets/housing/${region}.parquet`);
    env = { ...emulators.env, MXN_STAGING: `az://${emulators.blob.accountName}/mxn/staging`, MXN_BATCH_POLL_MS: '100' };
    await project.experiment('housing-demo', await demoOnBatch());
  }, 60_000);
  afterAll(async () => {
    process.env = saved;
    await emulators?.stop();
  });

  it('gives the same per-cell metrics as the local backend, leaves the pool at zero and sends Batch no secret', {
    timeout: 120_000,
  }, async () => {
    const batch = await project.mxn(['run', 'experiments/housing-demo.yaml'], { env });
    expect(batch.stderr).not.toMatch(/error/i);
    expect(batch.code).toBe(0);
    const onBatch: ExperimentResults = await project.results('housing-demo');
    expect(onBatch.backend).toBe('azure-batch');
    // 3 ridge alphas + 1 forest + 2 knn k's, on 3 datasets.
    expect(onBatch.cells).toHaveLength(18);
    expect(onBatch.cells.every((cell) => cell.status === 'succeeded')).toBe(true);
    expect(onBatch.aggregate?.status).toBe('succeeded');
    expect(onBatch.cells[0]?.output).toMatch(/^az:\/\//);
    expect(emulators.batch!.calls.Task_AddCollection).toBeGreaterThan(0);
    expect(emulators.batch!.poolNodes('mxn')?.targetDedicated).toBe(0);
    expect(emulators.batch!.requestsContaining(emulators.azurite.accountKey)).toEqual([]);
    expect(emulators.batch!.requestsContaining(emulators.env.AWS_SECRET_ACCESS_KEY!)).toEqual([]);

    // mxn logs reads a Batch cell's stdout and stderr from the blobs its task uploaded.
    const logs = await project.mxn(['logs', 'experiments/housing-demo.yaml', 'model=forest,dataset=seoul'], { env });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^== forest@seoul \(succeeded, attempt 1 of 1\) az:\/\/.+\/output$/m);
    expect(logs.stdout).toMatch(/^-- stdout\nforest trees=\d+ maxDepth=\d+: fit on /m);

    const { MXN_STAGING: _staging, ...localEnv } = env;
    const local = await project.mxn(['run', 'experiments/housing-demo.yaml', '--backend', 'local'], { env: localEnv });
    expect(local.code).toBe(0);
    const onLocal: ExperimentResults = await project.results('housing-demo');
    expect(onLocal.backend).toBe('local');
    expect(onLocal.cells.every((cell) => cell.status === 'succeeded')).toBe(true);
    const metrics = (results: ExperimentResults) => Object.fromEntries(results.cells.map((cell) => [cell.id, cell.metrics]));
    expect(metrics(onBatch)).toEqual(metrics(onLocal));
  });
});
