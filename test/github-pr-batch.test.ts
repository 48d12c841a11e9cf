// A whole pull request on the Azure path, as the experiment workflow's jobs play it: plan → run job
// (build-images: the images are already in a real registry, docker-registry on loopback; then the
// run on the loopback Batch service with Azurite staging, the task images taken from build-images'
// `images` output, with no GitHub token) → publish from the run's artifact (the same sticky comment
// with the m × n tables, results/<name>/ committed to a bare repo).
// A second push changes knn: only its cells run on Batch again and the comment shows the change.
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { clearBuildContextHashes, hashBuildContext } from '@mxn/core';
import { AZURITE_ACCOUNT } from '@mxn/emulators';
import {
  fixedClock,
  modelFolderImages,
  pushTestImage,
  skipWithoutRegistry,
  startEmulators,
  startGitHubFake,
  startRegistry,
  type EmulatorsHandle,
  type GitHubFake,
  type RegistryHandle,
} from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PR, REPO, buildActions, createPrRepo, pushKnnChange, runJobs, type PrRepo } from './support/github-pr.js';

const TOKEN = 'pr-batch-token';
// Staging (inputs, outputs and the cell cache) in Azurite.
const experiment = `name: pr-batch
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: busan, train: data/housing/busan.parquet }
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: ridge, build: models/ridge, command: [node, train.js], params: { alpha: 1 } }
  - { name: knn, build: models/knn, command: [node, train.js], params: { k: 10 } }
evaluation:
  target: price
  metrics: [rmse, r2]
compute:
  backend: azure-batch
  staging: az://${AZURITE_ACCOUNT}/mxn/staging
  concurrency: 3
  maxNodes: 3
  retries: 0
  timeout: 2m
`;

interface Results {
  backend: string;
  cells: Array<{ id: string; status: string; metrics: Record<string, number> }>;
}

interface TaskBody {
  id: string;
  displayName?: string;
  containerSettings?: { imageName: string; workingDirectory?: string };
}

describe.skipIf(skipWithoutRegistry())('the GitHub loop on a pull request, on Azure Batch (loopback Batch + Azurite + registry)', () => {
  let github: GitHubFake;
  let registry: RegistryHandle;
  let emulators: EmulatorsHandle;
  let repo: PrRepo;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    buildActions();
    [github, registry] = await Promise.all([startGitHubFake({ token: TOKEN, repos: [REPO] }), startRegistry()]);
    repo = await createPrRepo({ github, experiment: { name: 'pr-batch', text: experiment } });
    // Batch runs an image as the model folder whose build-context hash is its tag.
    emulators = await startEmulators({
      batch: { images: modelFolderImages(repo.work), autoScaleIntervalMs: 200, nodeStartMs: 20, tickMs: 10, clock: fixedClock() },
    });
    expect(emulators.blob.accountName).toBe(AZURITE_ACCOUNT);
    await BlobServiceClient.fromConnectionString(emulators.blob.connectionString).getContainerClient('mxn').createIfNotExists();
    // What the workflow's run job has: the Batch account (vars + secrets), the registry, AWS/Azure storage credentials.
    env = { ...emulators.env, MXN_REGISTRY: registry.host, MXN_BATCH_POLL_MS: '100' };
  }, 60_000);

  afterAll(async () => {
    await Promise.all([github?.stop(), registry?.stop(), emulators?.stop()]);
  });

  /** Comment bodies sent to GitHub (created or updated), from request `from` on. */
  const postedBodies = (from = 0) =>
    github.requests
      .slice(from)
      .filter((request) => (request.method === 'POST' || request.method === 'PATCH') && request.path.includes('/comments'))
      .map((request) => (request.body as { body: string }).body);
  const comment = () => repo.mxnComments('pr-batch');
  const tag = async (model: string) => (await hashBuildContext(path.join(repo.work, 'models', model))).slice(0, 12);
  /** The tasks Batch was asked to add (every add-collection body since the last reset). */
  const addedTasks = (): TaskBody[] =>
    emulators
      .batch!.requests.filter((request) => request.operation === 'Task_AddCollection')
      .flatMap((request) => (JSON.parse(request.body) as { value: TaskBody[] }).value);
  /** No request Batch received since the last reset holds a secret (storage key, AWS secret, GitHub token, Batch key). */
  const expectNoSecretSent = () => {
    for (const secret of [emulators.azurite.accountKey, emulators.s3.env.AWS_SECRET_ACCESS_KEY!, TOKEN, emulators.batch!.accountKey]) {
      expect(emulators.batch!.requestsContaining(secret).map((request) => request.operation)).toEqual([]);
    }
  };

  it('plans, runs on Batch with the registry images, comments and commits; a second push reruns only knn', {
    timeout: 120_000,
  }, async () => {
    const batch = emulators.batch!;
    github.setPullFiles(REPO, PR, ['experiments/pr-batch.yaml']);
    const tags = { ridge: await tag('ridge'), knn: await tag('knn') };
    for (const model of ['ridge', 'knn'] as const) await pushTestImage(registry.url, model, tags[model]);

    // The workflow's jobs: plan → run (build-images, then run; no GitHub token) → publish (from the artifact).
    batch.resetCalls();
    const jobs = await runJobs(repo, github, { token: TOKEN, env, registry: registry.host });
    // 1. plan: the 2 × 3 matrix on azure-batch, both images already in the registry.
    const { plan } = jobs;
    expect(plan.code, plan.stdout).toBe(0);
    expect(JSON.parse(plan.outputs.experiments!)).toEqual(['experiments/pr-batch.yaml']);
    const planBody = postedBodies().find((body) => body.includes('· plan'))!;
    expect(planBody).toContain('**2 × 3 = 6 cells**');
    expect(planBody).toContain('0 to build, 2 already in the registry');

    // 2. build-images (in the run job): nothing to build; its `images` output is what the run step submits.
    const { images, run, publish: report } = jobs.experiments[0]!;
    expect(images!.code, images!.stdout).toBe(0);
    expect(images!.outputs.built).toBe('0');
    const refs = { ridge: `${registry.host}/ridge:${tags.ridge}`, knn: `${registry.host}/knn:${tags.knn}` };
    expect(JSON.parse(images!.outputs.images!)).toEqual({ 'models/ridge': refs.ridge, 'models/knn': refs.knn });

    // 3. run on Batch: tasks named by cell, in the registry's images, in the image's WORKDIR.
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/knn@daegu: succeeded/);
    const tasks = addedTasks();
    expect(tasks.map((task) => [task.displayName, task.containerSettings?.imageName]).sort()).toEqual([
      ['knn@busan', refs.knn],
      ['knn@daegu', refs.knn],
      ['knn@seoul', refs.knn],
      ['ridge@busan', refs.ridge],
      ['ridge@daegu', refs.ridge],
      ['ridge@seoul', refs.ridge],
    ]);
    expect(tasks.every((task) => /^\d+$/.test(task.id) && task.containerSettings?.workingDirectory === 'containerImageDefault')).toBe(true);
    expectNoSecretSent();
    expect(batch.poolNodes('mxn')?.targetDedicated).toBe(0);
    const pool = batch.requests.find((request) => request.operation === 'Pool_Add');
    expect(pool, 'mxn creates its pool on the first run').toBeDefined();
    expect(
      (
        JSON.parse(pool!.body) as { virtualMachineConfiguration: { containerConfiguration: { containerImageNames: string[] } } }
      ).virtualMachineConfiguration.containerConfiguration.containerImageNames.sort(),
    ).toEqual([refs.knn, refs.ridge]);

    // 4. publish: the same comment now holds the m × n tables; results committed with [skip ci].
    expect(report?.code, report?.stdout).toBe(0);
    expect(comment()).toHaveLength(1);
    const commentId = comment()[0]!.id;
    expect(comment()[0]!.body).toContain('### rmse (lower is better)');
    expect(comment()[0]!.body).toMatch(/\| ridge \| .*\| .*\| .*\|/);
    expect(repo.git(repo.origin, 'log', '-1', '--format=%s', 'exp')).toMatch(
      /^mxn: results of pr-batch \(6 succeeded, 0 cached, 0 failed\) \[skip ci\]$/,
    );
    const first = repo.showJson<Results>('results/pr-batch/results.json');
    expect(first.backend).toBe('azure-batch');
    expect(first.cells.every((cell) => cell.status === 'succeeded' && Number.isFinite(cell.metrics.rmse))).toBe(true);

    // 5. a second push changes knn: the plan shows 3 to run and knn's new image to build …
    await pushKnnChange(repo);
    clearBuildContextHashes();
    github.setPullFiles(REPO, PR, ['models/knn/train.js']);
    const newKnn = await tag('knn');
    expect(newKnn).not.toBe(tags.knn);
    batch.resetCalls();
    const before = github.requests.length;
    const again = await runJobs(repo, github, {
      token: TOKEN,
      env,
      registry: registry.host,
      // the workflow's buildx pushes the new knn image (no Docker engine here, so the test pushes it)
      afterPlan: () => pushTestImage(registry.url, 'knn', newKnn),
    });
    expect(again.plan.code, again.plan.stdout).toBe(0);
    const replanBody = postedBodies(before).find((body) => body.includes('· plan'))!;
    expect(replanBody).toContain('3 to run, 3 cached');
    expect(replanBody).toMatch(/\| ridge \| ✓ cached \| ✓ cached \| ✓ cached \|/);
    expect(replanBody).toMatch(new RegExp(`1 to build, 1 already in the registry[\\s\\S]*knn:${newKnn}\` — to build`));

    // … and only knn's three cells go to Batch, in the new image.
    const { images: images2, run: rerun, publish: republish } = again.experiments[0]!;
    expect(images2!.code, images2!.stdout).toBe(0);
    expect(JSON.parse(images2!.outputs.images!)['models/knn']).toBe(`${registry.host}/knn:${newKnn}`);
    expect(rerun.code, rerun.stdout).toBe(0);
    expect(
      addedTasks()
        .map((task) => [task.displayName, task.containerSettings?.imageName])
        .sort(),
    ).toEqual([
      ['knn@busan', `${registry.host}/knn:${newKnn}`],
      ['knn@daegu', `${registry.host}/knn:${newKnn}`],
      ['knn@seoul', `${registry.host}/knn:${newKnn}`],
    ]);
    expect(republish?.code, republish?.stdout).toBe(0);
    const second = repo.showJson<Results>('results/pr-batch/results.json');
    expect(second.cells.map((cell) => [cell.id, cell.status])).toEqual([
      ['ridge@seoul', 'cached'],
      ['ridge@busan', 'cached'],
      ['ridge@daegu', 'cached'],
      ['knn@seoul', 'succeeded'],
      ['knn@busan', 'succeeded'],
      ['knn@daegu', 'succeeded'],
    ]);
    const metric = (results: Results, id: string) => results.cells.find((cell) => cell.id === id)!.metrics.rmse;
    expect(metric(second, 'knn@seoul')).not.toBe(metric(first, 'knn@seoul'));
    expect(metric(second, 'ridge@seoul')).toBe(metric(first, 'ridge@seoul'));
    expect(comment().map((item) => item.id)).toEqual([commentId]);
    expect(comment()[0]!.body).toContain('Baseline: the previous run on this branch');
    expect(comment()[0]!.body).toMatch(/\| knn \| [^|]*[▲▼][^|]*\|/);
    expect(comment()[0]!.body).toMatch(/\| ridge \| [^|]*= \|/);
    expect(repo.git(repo.origin, 'log', '-1', '--format=%s', 'exp')).toMatch(/3 succeeded, 3 cached, 0 failed\) \[skip ci\]/);

    // No secret reached Batch, and the pool mxn created is back at zero nodes.
    expectNoSecretSent();
    expect(batch.poolNodes('mxn')?.targetDedicated).toBe(0);
  });
});
