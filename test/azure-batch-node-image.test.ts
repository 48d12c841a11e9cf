// mxn run on azure-batch against the loopback Batch service (API 2025-06-01, with its list of supported
// node images): the pool mxn creates without compute.image gets the container-capable image supported
// longest, shown in the plan and the run header; a cell whose image cannot be pulled is an infrastructure
// failure with Batch's message, and the next run runs it again; a retired compute.image is refused in one line;
// an existing pool on a retired image is made again when mxn made it and it is idle, else the run fails in one line.
// The service runs at a fixed time (fixedClock), but the CLI checks end-of-support dates against the real
// time: the one image the tests need supported (microsoft-dsvm/ubuntu-hpc/2404) ends ten years from the
// real now here, and the assertions on its date accept any day, so the tests pass after 2029-06-30 too.
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SUPPORTED_IMAGES, fixedClock, modelFolderImages, startEmulators, type EmulatorsHandle } from '@mxn/testkit';
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
        clock: fixedClock(),
        supportedImages: DEFAULT_SUPPORTED_IMAGES.map((image) =>
          image.imageReference.offer === 'ubuntu-hpc' && image.imageReference.sku === '2404'
            ? { ...image, batchSupportEndOfLife: new Date(Date.now() + 10 * 365 * 86_400_000).toISOString() }
            : image,
        ),
      },
    });
    await BlobServiceClient.fromConnectionString(emulators.blob.connectionString).getContainerClient('mxn').createIfNotExists();
    env = { ...emulators.env, MXN_STAGING: `az://${emulators.blob.accountName}/mxn/staging`, MXN_BATCH_POLL_MS: '100', NO_COLOR: '1' };
    await project.experiment('pull', experiment('pull', 'pool: fresh', '[1, 2]'));
    await project.experiment(
      'retired',
      experiment('retired', 'pool: old, image: microsoft-azure-batch/ubuntu-server-container/20-04-lts', '3'),
    );
    // Pools an earlier mxn (or someone else) made on the old default image, before its end of support.
    const oldPool = (id: string, managed: boolean) => ({
      id,
      vmSize: 'standard_d2s_v3',
      virtualMachineConfiguration: {
        imageReference: { publisher: 'microsoft-azure-batch', offer: 'ubuntu-server-container', sku: '20-04-lts', version: 'latest' },
        nodeAgentSKUId: 'batch.node.ubuntu 20.04',
        containerConfiguration: { type: 'dockerCompatible', containerImageNames: [] },
      },
      targetDedicatedNodes: 0,
      ...(managed ? { metadata: [{ name: 'mxn-managed', value: 'true' }] } : {}),
    });
    emulators.batch!.addPool(oldPool('old-mxn', true));
    emulators.batch!.addPool(oldPool('old-theirs', false));
    emulators.batch!.addPool(oldPool('old-unlisted', true));
    await project.experiment('replaced', experiment('replaced', 'pool: old-mxn', '4'));
    await project.experiment('theirs', experiment('theirs', 'pool: old-theirs', '5'));
    await project.experiment('unlisted', experiment('unlisted', 'pool: old-unlisted', '6'));
  }, 60_000);
  afterAll(async () => {
    await emulators?.stop();
  });

  it('creates the pool with the supported container image, and an image pull failure is retried by the next run', {
    timeout: 120_000,
  }, async () => {
    const poolLine = new RegExp(
      /\n {2}pool fresh: microsoft-dsvm\/ubuntu-hpc\/2404 \(batch\.node\.ubuntu 24\.04\), /.source +
        /(supported until|support ended) \d{4}-\d{2}-\d{2}; vmSize standard_d2s_v3\n/.source,
    );
    const plan = await project.mxn(['plan', 'experiments/pull.yaml'], { env });
    expect(plan.code).toBe(0);
    expect(`\n${plan.stdout}`).toMatch(poolLine);

    const first = await project.mxn(['run', 'experiments/pull.yaml'], { env });
    expect(first.code).not.toBe(0);
    expect(`\n${first.stderr}`).toMatch(poolLine);
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
      new RegExp(
        /^ContainerInvalidImage: One or more container images specified are invalid /.source +
          /\(ContainerImage: mxn\.local\/flat:[0-9a-f]{12}; manifest for .+ not found: manifest unknown\)$/.source,
      ),
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
      '  warning: node image microsoft-azure-batch/ubuntu-server-container/20-04-lts ' +
        '(batch.node.ubuntu 20.04) reached the end of its Batch support on 2025-04-23',
    );
    const refusal = run.stderr.split('\n').filter((line) => line.includes('creating pool old failed'));
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toMatch(/400 InvalidPropertyValue .*batch\.node\.ubuntu 20\.04.* end of life on 2025-04-23/);
    expect(emulators.batch!.store.pool('old')).toBeUndefined();
  });

  it("replaces an idle pool mxn made on a retired image, saying so in one line, and fails in one line on someone else's", {
    timeout: 120_000,
  }, async () => {
    pullFails = false;
    const replaced = await project.mxn(['run', 'experiments/replaced.yaml'], { env });
    expect(replaced.code).toBe(0);
    expect(replaced.stderr).toContain(
      '\n  warning: pool old-mxn runs microsoft-azure-batch/ubuntu-server-container/20-04-lts (batch.node.ubuntu 20.04), ' +
        'past its Batch support end of life on 2025-04-23: mxn created it and it has no nodes, ' +
        'so the run deletes it and creates it again with microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04)\n',
    );
    expect(replaced.stderr.split('\n').filter((line) => line.startsWith('azure-batch: pool old-mxn runs'))).toEqual([
      'azure-batch: pool old-mxn runs microsoft-azure-batch/ubuntu-server-container/20-04-lts (batch.node.ubuntu 20.04), ' +
        'past its Batch support end of life on 2025-04-23: deleting it (mxn created it; it has no nodes) ' +
        'and creating it again with microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04)',
    ]);
    expect(emulators.batch!.store.pool('old-mxn')?.spec.virtualMachineConfiguration).toMatchObject({
      imageReference: { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc', sku: '2404' },
    });

    const theirs = await project.mxn(['run', 'experiments/theirs.yaml'], { env });
    expect(theirs.code).toBe(2);
    const refusal = theirs.stderr.split('\n').filter((line) => line.includes('pool old-theirs runs') && !line.includes('warning:'));
    expect(refusal).toEqual([
      'error backend: azure-batch: pool old-theirs runs microsoft-azure-batch/ubuntu-server-container/20-04-lts ' +
        '(batch.node.ubuntu 20.04), past its Batch support end of life on 2025-04-23: ' +
        'delete the pool (mxn recreates it) or name another compute.pool',
    ]);
    expect(theirs.stderr).toContain('hint: Batch adds no nodes to such a pool; mxn did not create it, so it does not delete it');
    expect(emulators.batch!.store.pool('old-theirs')).toBeDefined();
  });

  it("fails the run with the pool's resize error when Batch will not grow it, instead of waiting for nodes", {
    timeout: 60_000,
  }, async () => {
    pullFails = false;
    // Without the list of supported images mxn cannot tell that the pool's image has ended, so it uses the pool.
    const refusal = emulators.batch!.inject({
      status: 403,
      code: 'AuthorizationFailure',
      operation: 'Account_ListSupportedImages',
      times: 10,
    });
    try {
      const run = await project.mxn(['run', 'experiments/unlisted.yaml'], { env });
      expect(run.code).toBe(1);
      const lines = run.stderr.split('\n').filter((line) => line.includes('cannot add nodes'));
      expect(lines).toEqual([expect.stringMatching(/^error backend: azure-batch: pool old-unlisted cannot add nodes: \w+: .*2025-04-23/)]);
    } finally {
      refusal.remove();
    }
  });
});
