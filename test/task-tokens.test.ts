// Tokens cover no more than their task needs (issue 11, "Untrusted experiment files"). On Azure Batch
// a cell's output token is a create+write SAS on the whole staging container and the aggregate's a
// read+list one, so the held-out labels and the cell cache live in a sibling container that no task
// token covers. This run takes the very tokens mxn gave its tasks and tries them against Azurite; then
// it forges a cached result with the harness's own credentials and checks the next run reruns that cell.
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, modelFolderImages, startEmulators, type EmulatorsHandle } from '@mxn/testkit';
import { e2eProject, repoRoot, type E2eProject } from './support/project.js';

const MODEL = `import { readTaskInputs, writePredictions } from '@mxn/model-kit';
const { test, params } = await readTaskInputs();
await writePredictions(new Float64Array(test.numRows).fill(Number(params.i) * 1e5));
`;

interface SentTask {
  id: string;
  outputFiles?: Array<{ destination: { container: { containerUrl: string } } }>;
  resourceFiles?: Array<{ storageContainerUrl?: string; httpUrl?: string }>;
}

const v = { 'x-ms-version': '2021-12-02' };

/** The URL of `blob` in `container` carrying the query (the SAS) of a container URL signed for another container. */
function withSasOf(containerUrl: string, container: string, blob = ''): string {
  const url = new URL(containerUrl);
  url.pathname = `${url.pathname.replace(/\/[^/]+\/?$/, `/${container}`)}${blob ? `/${blob}` : ''}`;
  return url.toString();
}

const put = (url: string) =>
  fetch(url, { method: 'PUT', headers: { ...v, 'x-ms-blob-type': 'BlockBlob' }, body: '{"forged":true}' }).then((r) => r.status);
const get = (url: string) => fetch(url, { headers: v }).then((r) => r.status);

async function names(container: ContainerClient): Promise<string[]> {
  const all: string[] = [];
  for await (const blob of container.listBlobsFlat()) all.push(blob.name);
  return all;
}

describe('task tokens on azure-batch cannot reach the held-out labels or the cell cache', () => {
  let project: E2eProject;
  let emulators: EmulatorsHandle;
  let env: NodeJS.ProcessEnv;
  let staging: ContainerClient;
  let harness: ContainerClient;

  beforeAll(async () => {
    // Real files in the project (not links out of it): the dataset, a model and the repository's ensemble.
    project = await e2eProject(['node_modules']);
    await mkdir(project.file('data'));
    await cp(path.join(repoRoot, 'data/housing/daegu.parquet'), project.file('data/daegu.parquet'));
    await project.model('fixed', MODEL);
    await cp(path.join(repoRoot, 'models/ensemble'), project.file('models/ensemble'), { recursive: true });
    emulators = await startEmulators({
      batch: { images: modelFolderImages(project.root), autoScaleIntervalMs: 200, nodeStartMs: 20, tickMs: 10, clock: fixedClock() },
    });
    env = { ...emulators.env, MXN_STAGING: `az://${emulators.blob.accountName}/mxn/staging`, MXN_BATCH_POLL_MS: '100', NO_COLOR: '1' };
    const blob = BlobServiceClient.fromConnectionString(emulators.blob.connectionString);
    await blob.getContainerClient('mxn').createIfNotExists();
    staging = blob.getContainerClient('mxn');
    harness = blob.getContainerClient('mxn-private');
    await project.experiment(
      'tokens',
      `name: tokens
datasets:
  - { name: daegu, train: data/daegu.parquet }
models:
  - { name: fixed, build: models/fixed, command: [node, train.js], params: { i: [1, 2] } }
evaluation: { target: price, metrics: [rmse] }
aggregate: { build: models/ensemble, command: [node, aggregate.js] }
compute: { backend: azure-batch, maxNodes: 2, retries: 0, timeout: 5m }
`,
    );
  }, 60_000);
  afterAll(async () => {
    await emulators?.stop();
  });

  it('keeps labels, cache and digests in the private container, and the tasks’ own SAS is refused there (403)', {
    timeout: 90_000,
  }, async () => {
    const run = await project.mxn(['run', 'experiments/tokens.yaml'], { env });
    expect(run.stderr, run.stderr).not.toMatch(/error/i);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const results = await project.results('tokens');
    expect(results.cells.map((cell) => cell.status)).toEqual(['succeeded', 'succeeded']);

    const inHarness = await names(harness);
    const inStaging = await names(staging);
    const harnessOnly = /^staging\/(cache|digests|labels|aggregates)\//;
    for (const cell of results.cells) expect(inHarness).toContain(`staging/cache/${cell.key}.json`);
    // the held-out labels and the split's row counts, both out of the tasks' reach
    expect(inHarness.filter((name) => name.startsWith('staging/labels/'))).toEqual([
      expect.stringMatching(/^staging\/labels\/[0-9a-f]+\/labels\.parquet$/),
      expect.stringMatching(/^staging\/labels\/[0-9a-f]+\/rows\.json$/),
    ]);
    expect(inHarness.filter((name) => name.startsWith('staging/digests/cache/'))).toHaveLength(2);
    expect(inStaging.filter((name) => harnessOnly.test(name))).toEqual([]);
    expect(inStaging.some((name) => name.startsWith('staging/inputs/'))).toBe(true);

    const sent: SentTask[] = emulators
      .batch!.requests.filter((request) => request.operation === 'Task_AddCollection')
      .flatMap((request) => (JSON.parse(request.body) as { value: SentTask[] }).value);
    const writeUrl = sent.find((task) => task.id !== 'aggregate')!.outputFiles![0]!.destination.container.containerUrl;
    const readUrl = sent.find((task) => task.id === 'aggregate')!.resourceFiles!.find((file) => file.storageContainerUrl)!
      .storageContainerUrl!;
    expect(new URL(writeUrl).searchParams.get('sp')).toBe('cw');
    expect(new URL(readUrl).searchParams.get('sp')).toBe('rl');

    // The tokens work where they are meant to: the staging container.
    expect(await put(withSasOf(writeUrl, 'mxn', 'staging/probe.txt'))).toBe(201);
    expect(await get(withSasOf(readUrl, 'mxn', inStaging.find((name) => name.startsWith('staging/inputs/'))!))).toBe(200);

    const cacheBlob = `staging/cache/${results.cells[0]!.key}.json`;
    const labelsBlob = inHarness.find((name) => name.startsWith('staging/labels/'))!;
    const before = await harness.getBlobClient(cacheBlob).downloadToBuffer();
    for (const target of [cacheBlob, labelsBlob, `staging/digests/${cacheBlob.slice('staging/'.length)}.sha256`]) {
      expect(await put(withSasOf(writeUrl, 'mxn-private', target))).toBe(403);
      expect(await get(withSasOf(readUrl, 'mxn-private', target))).toBe(403);
    }
    expect(await get(`${withSasOf(readUrl, 'mxn-private')}&restype=container&comp=list`)).toBe(403);
    expect((await harness.getBlobClient(cacheBlob).downloadToBuffer()).equals(before)).toBe(true);
  });

  it('reruns a cell whose cached result was overwritten, instead of serving the forged metrics', { timeout: 90_000 }, async () => {
    const first = await project.results('tokens');
    const target = first.cells[0]!;
    const forged = { ...target, metrics: { rmse: 1 } };
    // Written with the account key: more than any task holds. The digest beside it is left as mxn wrote it.
    const body = `${JSON.stringify(forged, null, 2)}\n`;
    await harness.getBlockBlobClient(`staging/cache/${target.key}.json`).upload(body, Buffer.byteLength(body));

    const run = await project.mxn(['run', 'experiments/tokens.yaml'], { env });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`cache: the stored result of cell key ${target.key} does not match the digest mxn recorded`);
    const results = await project.results('tokens');
    const again = results.cells.find((cell) => cell.id === target.id)!;
    expect(again.status).toBe('succeeded');
    expect(again.metrics.rmse).toBe(target.metrics.rmse);
    expect(results.cells.find((cell) => cell.id !== target.id)!.status).toBe('cached');
  });
});
