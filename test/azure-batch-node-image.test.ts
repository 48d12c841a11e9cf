// mxn run on azure-batch against the loopback Batch service (API 2025-06-01, with its list of supported
// node images): the pool mxn creates without compute.image gets the container-capable image supported
// longest, shown in the plan and the run header; a cell whose image cannot be pulled is an infrastructure
// failure with Batch's message, and the next run runs it again; a retired compute.image is refused in one line.
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelFolderImages, startEmulators, type EmulatorsHandle } from '@mxn/testkit';
import { e2eProject, type E2eProject } from './support/project.js';

const MODEL = `import { readTaskInputs, writePredictions } from '@mxn/model-kit';
const { test, params } = await readTaskInputs();
await writePredictions(new Float64Array(test.numRows).fill(Number(params.i ?? 1) * 1e5));
`;
const experiment = (name: string, compute: string, i: string) => `name: ${name}
datasets:
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: flat, build: models/flat, command: [node, train.js], params: { i: ${i} } }
evaluation: { target: price, metrics: [rmse] }
compute: { backend: azure-batch, retries: 0, ${compute} }
`;

describe('node images on azure-batch (loopback Batch 2025-06-01 + Azurite)', () => {
  let project: E2eProject;
  let emulators: EmulatorsHandle;
  let env: NodeJS.ProcessEnv;
  let pullFails = true;

  beforeAll(async () => {
    project = await e2eProject(['data', 'node_modules']);
    await project.model('flat', MODEL);
    const folders = modelFolderImages(project.root);
    emulators = await startEmulators({
      batch: {
        // The model's image cannot be pulled until the test says so (a registry outage).
        images: async (name) => (pullFails ? { pullFailure: `manifest for ${name} not found: manifest unknown` } : folders(name)),
        autoScaleIntervalMs: 200,
        nodeStartMs: 20,
        tickMs: 10,
      },
    });
    await BlobServiceClient.fromConnectionString(emulators.blob.connectionString).getContainerClient('mxn').createIfNotExists();
    env = { ...emulators.env, MXN_STAGING: `az://${emulators.blob.accountName}/mxn/staging`, MXN_BATCH_POLL_MS: '100', NO_COLOR: '1' };
    await project.experiment('pull', experiment('pull', 'pool: fresh', '[1, 2]'));
    await project.experiment(
      'retired',
      experiment('retired', 'pool: old, image: microsoft-azure-batch/ubuntu-server-container/20-04-lts', '3'),
    );
  }, 60_000);
  afterAll(async () => {
    await emulators?.stop();
  });

  it('creates the pool with the supported container image, and an image pull failure is retried by the next run', {
    timeout: 120_000,
  }, async () => {
    const poolLine =
      'pool fresh: microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04), supported until 2029-06-30; vmSize standard_d2s_v3';
    const plan = await project.mxn(['plan', 'experiments/pull.yaml'], { env });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`  ${poolLine}\n`);

    const first = await project.mxn(['run', 'experiments/pull.yaml'], { env });
    expect(first.code).not.toBe(0);
    expect(first.stderr).toContain(`  ${poolLine}\n`);
    const created = emulators.batch!.requests.filter(
      (r) => r.method === 'POST' && new URL(r.url, emulators.batch!.url).pathname === '/pools',
    );
    expect(created.map((r) => JSON.parse(r.body).virtualMachineConfiguration)).toEqual([
      expect.objectContaining({
        imageReference: { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc', sku: '2404', version: 'latest' },
        nodeAgentSKUId: 'batch.node.ubuntu 24.04',
      }),
    ]);
    const failed = await project.results('pull');
    expect(failed.cells.map((cell) => [cell.status, cell.infrastructure])).toEqual([
      ['failed', true],
      ['failed', true],
    ]);
    expect(failed.cells[0]?.error?.split('\n')[0]).toMatch(
      /^ContainerInvalidImage: One or more container images specified are invalid \(ContainerImage: mxn\.local\/flat:[0-9a-f]{12}; manifest for .+ not found: manifest unknown\)$/,
    );
    expect(first.stdout).toMatch(/failed flat\[i=1\]@daegu: ContainerInvalidImage: .+ \(infrastructure; the next run retries it\)\n/);

    // The registry is back: the next run runs both cells again, without --rerun.
    pullFails = false;
    const second = await project.mxn(['run', 'experiments/pull.yaml'], { env });
    expect(second.stderr).toContain('pool fresh (exists; used as it is): microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04)');
    expect(second.code).toBe(0);
    const results = await project.results('pull');
    expect(results.cells.map((cell) => [cell.status, cell.fromCache ?? false])).toEqual([
      ['succeeded', false],
      ['succeeded', false],
    ]);
    expect(
      emulators.batch!.requests.filter((r) => new URL(r.url, emulators.batch!.url).searchParams.get('api-version') !== '2025-06-01'),
    ).toEqual([]);
  });

  it('warns about a compute.image past its end of support, and the refusal to create its pool is one clear line', {
    timeout: 60_000,
  }, async () => {
    const run = await project.mxn(['run', 'experiments/retired.yaml'], { env });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      '  warning: node image microsoft-azure-batch/ubuntu-server-container/20-04-lts (batch.node.ubuntu 20.04) reached the end of its Batch support on 2025-04-23',
    );
    const refusal = run.stderr.split('\n').filter((line) => line.includes('creating pool old failed'));
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toMatch(/400 InvalidPropertyValue .*batch\.node\.ubuntu 20\.04.* end of life on 2025-04-23/);
    expect(emulators.batch!.store.pool('old')).toBeUndefined();
  });
});
