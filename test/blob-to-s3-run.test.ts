// The reverse of s3-blob-run.test.ts (issue 13, "Datasets in az:// are copied to S3"): the demo's data in Azure
// Blob, the aws-batch backend with its staging in S3, results copied back to Blob: the same metrics as an
// all-local run. Every service is an emulator on loopback (Azurite behind the shim, S3 server, loopback AWS Batch).
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { azureBlobStore, copy, listAll, readText, s3Store } from '@mxn/storage';
import { modelFolderImages, startEmulators, type EmulatorsHandle } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLocalAndCloud } from './support/housing-experiment.js';
import { cliOutput as output, e2eProject, repoRoot, type E2eProject } from './support/project.js';

describe('datasets in Blob, aws-batch with staging in S3, outputs back to Blob', () => {
  let emulators: EmulatorsHandle;
  let project: E2eProject;
  let blob: BlobServiceClient;

  beforeAll(async () => {
    // The models are copied, not linked: an edit of the repository's models/ during the test must not change what runs.
    project = await e2eProject(['data', 'node_modules']);
    for (const model of ['ridge', 'knn', 'ensemble'])
      await cp(path.join(repoRoot, 'models', model), project.file(`models/${model}`), { recursive: true });
    emulators = await startEmulators({ batch: false, ecr: false, awsBatch: { images: modelFolderImages(project.root), tickMs: 10 } });
    blob = BlobServiceClient.fromConnectionString(emulators.blob.connectionString);
    await blob.getContainerClient('datasets').createIfNotExists();
    const datasets = await azureBlobStore({ uri: 'az://devstoreaccount1/datasets', connectionString: emulators.blob.connectionString });
    // A Store as destination: each file goes into it, under its own name.
    for (const region of ['seoul', 'busan', 'daegu'])
      await copy(path.join(repoRoot, 'data/housing', `${region}.parquet`), datasets.child('housing'));
  }, 120_000);
  afterAll(async () => {
    await emulators?.stop();
  });

  it('gets the same metrics as the all-local run, stages the inputs in S3 and never writes to the datasets container', {
    timeout: 240_000,
  }, async () => {
    const env: NodeJS.ProcessEnv = { ...emulators.env, MXN_BATCH_POLL_MS: '100' };
    /** Every blob of the datasets container with its ETag: a write (or a delete) changes the list. */
    const source = async () => {
      const blobs: string[] = [];
      for await (const item of blob.getContainerClient('datasets').listBlobsFlat()) blobs.push(`${item.name} ${item.properties.etag}`);
      return blobs.sort();
    };
    const before = await source();
    expect(before).toHaveLength(3);
    // both runs succeed, with the same metrics
    const { cloud, cloudResults } = await runLocalAndCloud(project, {
      datasets: (region) => `az://devstoreaccount1/datasets/housing/${region}.parquet`,
      compute: '{ backend: aws-batch, concurrency: 2, retries: 0, staging: "s3://mxn/staging" }',
      extra: 'outputs: az://devstoreaccount1/results/cloud\n',
      env,
    });
    expect(cloudResults.backend).toBe('aws-batch');
    expect(cloudResults.cells.every((cell) => cell.output.startsWith('s3://mxn/staging/cells/'))).toBe(true);
    expect(cloudResults.aggregate?.status).toBe('succeeded');
    // The loopback AWS Batch service ran the cells: one array job per model image (3 cells each), and the aggregate.
    const aws = emulators.awsBatch!;
    expect(
      [...aws.store.jobs.values()]
        .filter((job) => job.parentId === undefined)
        .map((job) => job.arraySize ?? 1)
        .sort(),
    ).toEqual([1, 3, 3]);

    // The splits of the Blob datasets were staged in S3, with the labels and the cache (with S3 staging, the cache is
    // the staging store itself: a task's presigned URLs name single objects, none of them under labels/ or cache/).
    const staging = await s3Store({
      uri: 's3://mxn/staging',
      endpoint: emulators.s3.endpoint,
      credentials: { accessKeyId: emulators.s3.accessKeyId, secretAccessKey: emulators.s3.secretAccessKey },
    });
    const staged = (await listAll(staging)).map((object) => object.key);
    expect(staged.filter((key) => key.startsWith('inputs/') && key.endsWith('/test.parquet'))).toHaveLength(3);
    expect(staged.filter((key) => key.startsWith('inputs/') && key.endsWith('/train.parquet'))).toHaveLength(3);
    expect(staged.filter((key) => key.startsWith('labels/') && key.endsWith('/labels.parquet'))).toHaveLength(3);
    expect(staged.filter((key) => key.startsWith('cache/') && key.endsWith('.json'))).toHaveLength(6);
    // The run never wrote into the datasets container (nor deleted from it).
    expect(before.map((line) => line.split(' ')[0])).toEqual(['housing/busan.parquet', 'housing/daegu.parquet', 'housing/seoul.parquet']);
    expect(await source()).toEqual(before);

    // Results and every cell's outputs are back in Blob.
    const published = await azureBlobStore({
      uri: 'az://devstoreaccount1/results/cloud',
      connectionString: emulators.blob.connectionString,
    });
    const keys = (await listAll(published)).map((object) => object.key);
    expect(keys).toEqual(
      expect.arrayContaining(['results.json', 'summary.md', 'cells/ridge@seoul/predictions.parquet', 'cells/knn@daegu/stderr.txt']),
    );
    expect(JSON.parse(await readText(published, 'results.json'))).toEqual(cloudResults);

    // A second run reuses the cache kept in S3: nothing runs, no job is submitted, the datasets are not read again.
    const submits = aws.calls.SubmitJob;
    const again = await project.mxn(['run', 'experiments/cloud.yaml'], { env });
    expect(again.code, output(again)).toBe(0);
    // (Cell keys hash the models' workspace packages' sources: an edit of those between the two runs misses the cache.)
    expect(again.stdout, output(again)).toContain('0 succeeded, 6 cached, 0 failed');
    expect(aws.calls.SubmitJob).toBe(submits);
    expect(await source()).toEqual(before);
    // No secret reached the output, the AWS Batch service or a job's environment.
    const accountKey = /AccountKey=([^;]+)/.exec(emulators.blob.connectionString)![1]!;
    for (const secret of [env.AWS_SECRET_ACCESS_KEY!, accountKey]) {
      expect(cloud.stdout + cloud.stderr + again.stdout + again.stderr).not.toContain(secret);
    }
    aws.assertNoSecrets([accountKey]);
  });
});
