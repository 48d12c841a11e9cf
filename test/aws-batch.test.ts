// End to end on the AWS path: the mxn CLI runs the unchanged demo experiment (experiments/housing-demo.yaml)
// with `--backend aws-batch`, its datasets staged to the S3 emulator, against the loopback AWS Batch service,
// and gets the same per-cell metrics as the local backend's run of the same file.
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentResults } from '@mxn/core';
import { modelFolderImages, startEmulators, type EmulatorsHandle } from '@mxn/testkit';
import { cliOutput as output, e2eProject, repoRoot, type E2eProject } from './support/project.js';

describe('mxn run --backend aws-batch: the unchanged demo (loopback AWS Batch + S3)', () => {
  let project: E2eProject;
  let emulators: EmulatorsHandle;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // The demo's model folders are copied, not linked: an edit of the repository's models/ while this test runs (between
    // its AWS run and its local one) must not change what either runs, nor the images' content hashes.
    project = await e2eProject(['data', 'node_modules']);
    for (const model of ['ridge', 'forest', 'knn', 'ensemble'])
      await cp(path.join(repoRoot, 'models', model), project.file(`models/${model}`), { recursive: true });
    emulators = await startEmulators({ batch: false, ecr: false, awsBatch: { images: modelFolderImages(project.root), tickMs: 10 } });
    env = { ...emulators.env, MXN_STAGING: 's3://mxn/staging', MXN_BATCH_POLL_MS: '100' };
    await project.experiment('housing-demo', await readFile(path.join(repoRoot, 'experiments/housing-demo.yaml'), 'utf8'));
  }, 60_000);
  afterAll(async () => {
    await emulators?.stop();
  });

  it('gives the same per-cell metrics as the local backend in one array job per image, and sends Batch no secret', {
    timeout: 180_000,
  }, async () => {
    const batch = await project.mxn(['run', 'experiments/housing-demo.yaml', '--backend', 'aws-batch'], { env });
    expect(batch.stderr, output(batch)).not.toMatch(/error/i);
    expect(batch.code, output(batch)).toBe(0);
    const onBatch: ExperimentResults = await project.results('housing-demo');
    expect(onBatch.backend).toBe('aws-batch');
    expect(onBatch.cells).toHaveLength(18);
    expect(
      onBatch.cells.filter((cell) => cell.status !== 'succeeded'),
      output(batch),
    ).toEqual([]);
    expect(onBatch.aggregate?.status).toBe('succeeded');
    expect(onBatch.cells[0]?.output).toMatch(/^s3:\/\/mxn\/staging\//);
    // ridge (3 alphas × 3 datasets), forest (3), knn (2 k's × 3): three array jobs, and the aggregate.
    const aws = emulators.awsBatch!;
    const jobs = [...aws.store.jobs.values()].filter((job) => job.parentId === undefined);
    expect(jobs.map((job) => job.arraySize ?? 1).sort((a, b) => a - b)).toEqual([1, 3, 6, 9]);
    expect(aws.calls.SubmitJob).toBe(4);
    expect(aws.calls.RegisterJobDefinition).toBe(4);
    aws.assertNoSecrets();

    // mxn logs reads a cell's stdout and stderr from what its wrapper uploaded, without CloudWatch.
    const logs = await project.mxn(['logs', 'experiments/housing-demo.yaml', 'model=forest,dataset=seoul', '--backend', 'aws-batch'], {
      env,
    });
    expect(logs.code, output(logs)).toBe(0);
    expect(logs.stdout).toMatch(/^-- stdout\nforest trees=\d+ maxDepth=\d+: fit on /m);

    const { MXN_STAGING: _staging, ...localEnv } = env;
    const local = await project.mxn(['run', 'experiments/housing-demo.yaml', '--backend', 'local'], { env: localEnv });
    expect(local.code, output(local)).toBe(0);
    const onLocal: ExperimentResults = await project.results('housing-demo');
    expect(onLocal.backend).toBe('local');
    const metrics = (results: ExperimentResults) => Object.fromEntries(results.cells.map((cell) => [cell.id, cell.metrics]));
    expect(metrics(onBatch)).toEqual(metrics(onLocal));

    // A second run of the same plan: every cell is cached, no job definition is registered again.
    const again = await project.mxn(['run', 'experiments/housing-demo.yaml', '--backend', 'aws-batch'], { env });
    expect(again.code, output(again)).toBe(0);
    expect((await project.results('housing-demo')).cells.filter((cell) => cell.status !== 'cached')).toEqual([]);
    expect(aws.calls.RegisterJobDefinition).toBe(4);
  });
});
