// The demo's data in S3, staging in Azure Blob, results copied back to S3: the same metrics as an
// all-local run. Every service is an emulator on loopback (S3 server, Azurite behind the shim).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { copy, listAll, openStore, readText } from '@mxn/storage';
import { startEmulators, type EmulatorsHandle } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLocalAndCloud } from './support/housing-experiment.js';
import { e2eProject, repoRoot, type E2eProject } from './support/project.js';

describe('datasets in S3, staging in Blob, outputs back to S3', () => {
  let emulators: EmulatorsHandle;
  let project: E2eProject;
  let saved: NodeJS.ProcessEnv;

  beforeAll(async () => {
    emulators = await startEmulators();
    // This process talks to the emulators too (to seed S3 and read back), through the SDKs' own variables.
    saved = { ...process.env };
    Object.assign(process.env, emulators.env);
    const blob = BlobServiceClient.fromConnectionString(emulators.env.AZURE_STORAGE_CONNECTION_STRING!);
    await blob.getContainerClient('staging').createIfNotExists();
    for (const region of ['seoul', 'busan', 'daegu']) {
      await copy(path.join(repoRoot, 'data/housing', `${region}.parquet`), `s3://mxn/datasets/housing/${region}.parquet`);
    }
    project = await e2eProject();
  });
  afterAll(async () => {
    process.env = saved;
    await emulators?.stop();
  });

  it('gets the same metrics as the all-local run and publishes results and cell outputs to S3', async () => {
    const env = emulators.env;
    // both runs succeed, with the same metrics
    const { cloud, cloudResults } = await runLocalAndCloud(project, {
      datasets: (region) => `s3://mxn/datasets/housing/${region}.parquet`,
      compute: '{ concurrency: 2, retries: 0, staging: "az://devstoreaccount1/staging/mxn" }',
      extra: 'outputs: s3://mxn/results/cloud\n',
      env,
    });
    expect(cloudResults.cells.every((cell) => cell.output.startsWith('az://devstoreaccount1/staging/mxn/cells/'))).toBe(true);
    expect(cloudResults.aggregate?.status).toBe('succeeded');

    // Inputs were staged in Blob, and nothing was staged locally for the cloud run.
    const staging = await openStore('az://devstoreaccount1/staging/mxn', project.root);
    const staged = (await listAll(staging)).map((object) => object.key);
    expect(staged.filter((key) => key.startsWith('inputs/') && key.endsWith('/test.parquet'))).toHaveLength(3);
    expect(staged.filter((key) => key.startsWith('cache/') || key.startsWith('labels/'))).toEqual([]);
    // The cache and the held-out labels are in the sibling container no task token covers.
    const cached = (await listAll(await openStore('az://devstoreaccount1/staging-private/mxn', project.root))).map((object) => object.key);
    expect(cached.filter((key) => key.startsWith('cache/'))).toHaveLength(6);
    // per dataset: its held-out labels and the row counts of its split
    expect(cached.filter((key) => key.startsWith('labels/') && key.endsWith('/labels.parquet'))).toHaveLength(3);
    expect(cached.filter((key) => key.startsWith('labels/') && key.endsWith('/rows.json'))).toHaveLength(3);

    // Results and every cell's outputs are back in S3.
    const published = await openStore('s3://mxn/results/cloud', project.root);
    const keys = (await listAll(published)).map((object) => object.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'results.json',
        'summary.md',
        'report.html',
        'cells/ridge@seoul/predictions.parquet',
        'cells/knn@daegu/stderr.txt',
        'aggregate/summary.json',
      ]),
    );
    expect(JSON.parse(await readText(published, 'results.json'))).toEqual(
      JSON.parse(await readFile(project.file('results/cloud/results.json'), 'utf8')),
    );

    // A second run reuses the cache kept in Blob: nothing runs, nothing is re-uploaded.
    const again = await project.mxn(['run', 'experiments/cloud.yaml'], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 succeeded, 6 cached, 0 failed');
    expect(again.stdout).toMatch(/copied results and cell outputs to s3:\/\/mxn\/results\/cloud \(\d+ objects, \d+ unchanged\)/);
    // No secret reached the output.
    for (const secret of [env.AWS_SECRET_ACCESS_KEY!, /AccountKey=([^;]+)/.exec(env.AZURE_STORAGE_CONNECTION_STRING!)![1]!]) {
      expect(cloud.stdout + cloud.stderr + again.stdout + again.stderr).not.toContain(secret);
    }
  });
});
