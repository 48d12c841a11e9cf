// The runner killed right after submission (issue 4, "Faults"): `mxn run` is SIGKILLed as soon as its
// job has tasks; the next `mxn run` of the same experiment re-attaches to the same job, adds no task
// twice, watches it to the end and writes complete results. The second case kills it after some cells
// finished and were cached: the next run lists fewer cells under the same run id (and job), and each
// must still be matched to its own task.
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorsHandle } from '@mxn/testkit';
import { expectHalfcachedResults, killHalfcachedOnceCached, killRunnerWhen, writeReattachExperiments } from './support/killed-run.js';
import type { E2eProject } from './support/project.js';
import { slowBatchProject } from './support/slow-batch-project.js';

describe('mxn run re-attaches on azure-batch after the runner was killed', () => {
  let project: E2eProject;
  let emulators: EmulatorsHandle;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ({ project, emulators, env } = await slowBatchProject({ ensemble: true }));
    // halfcached: quick cells first, so they hold the low task ids a shorter task list would otherwise reuse.
    await writeReattachExperiments(project, {
      slowish: '{ backend: azure-batch, maxNodes: 2, retries: 0, timeout: 5m }',
      halfcached: '{ backend: azure-batch, maxNodes: 4, retries: 0, timeout: 5m }',
    });
  }, 60_000);
  afterAll(async () => {
    await emulators?.stop();
  });

  it('adds no duplicate task and finishes with complete results', { timeout: 120_000 }, async () => {
    const batch = emulators.batch!;
    batch.resetCalls();
    const signal = await killRunnerWhen(project, ['run', 'experiments/slowish.yaml'], env, () => Boolean(batch.calls.Task_AddCollection), {
      timeoutMs: 30_000,
      everyMs: 5,
    });
    expect(signal).toBe('SIGKILL');
    const jobs = [...batch.store.jobs.values()];
    expect(jobs).toHaveLength(1);
    const jobId = jobs[0]!.id;
    // Killed mid-run: the job is still there, its cells not all done.
    expect(jobs[0]!.state).toBe('active');
    expect([...jobs[0]!.tasks.values()].filter((task) => task.state === 'completed').length).toBeLessThan(3);

    const again = await project.mxn(['run', 'experiments/slowish.yaml'], { env });
    expect(again.stderr, again.stdout + again.stderr).not.toMatch(/error/i);
    expect(again.code, again.stdout + again.stderr).toBe(0);

    // Both runs asked for the same job; the second one found it (JobExists).
    const jobAdds = batch.requests.filter((r) => r.method === 'POST' && /\/jobs\?/.test(r.url));
    expect(jobAdds.map((r) => [JSON.parse(r.body).id, r.status])).toEqual([
      [jobId, 201],
      [jobId, 409],
    ]);
    // Every task was sent exactly once across both runs: nothing added twice, no TaskExists.
    const sent = batch.requests
      .filter((r) => r.url.includes('/addtaskcollection'))
      .flatMap((r) => (JSON.parse(r.body).value as Array<{ id: string }>).map((task) => task.id));
    expect(sent.sort()).toEqual(['1', '2', '3', 'aggregate']);

    const results = await project.results('slowish');
    expect(results.backend).toBe('azure-batch');
    expect(results.cells.map((cell) => cell.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(results.cells.every((cell) => typeof cell.metrics.rmse === 'number')).toBe(true);
    expect(results.aggregate?.status).toBe('succeeded');
    expect(batch.poolNodes('mxn')?.targetDedicated).toBe(0);
  });

  it('re-attaches each remaining cell to its own task after the finished cells were cached', { timeout: 180_000 }, async () => {
    const batch = emulators.batch!;
    batch.resetCalls();
    // The cache lives beside the staging container, where no task token reaches (core's storeAddresses).
    const container = BlobServiceClient.fromConnectionString(emulators.blob.connectionString).getContainerClient('mxn-private');
    const cachedCount = async () => {
      let n = 0;
      for await (const blob of container.listBlobsFlat({ prefix: 'staging/cache/' })) if (blob.name.endsWith('.json')) n++;
      return n;
    };
    await killHalfcachedOnceCached(project, env, cachedCount, 40_000);
    const job = [...batch.store.jobs.values()].find((j) =>
      [...j.tasks.values()].some((t) => String(t.spec.displayName).startsWith('quick')),
    )!;
    const pending = [...job.tasks.values()].filter((t) => t.state !== 'completed').map((t) => String(t.spec.displayName));
    expect(pending.sort()).toEqual(['aggregate', 'lagging[i=3]@daegu', 'lagging[i=4]@daegu']);

    const again = await project.mxn(['run', 'experiments/halfcached.yaml'], { env });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    // Same job (JobExists on the second add); every cell and the aggregate sent exactly once.
    const jobAdds = batch.requests.filter((r) => r.method === 'POST' && /\/jobs\?/.test(r.url));
    expect(jobAdds.map((r) => [JSON.parse(r.body).id, r.status])).toEqual([
      [job.id, 201],
      [job.id, 409],
    ]);
    const sent = batch.requests
      .filter((r) => r.url.includes('/addtaskcollection'))
      .flatMap((r) => (JSON.parse(r.body).value as Array<{ displayName: string }>).map((task) => task.displayName));
    const perCell: Record<string, number> = {};
    for (const name of sent) perCell[name] = (perCell[name] ?? 0) + 1;
    expect(perCell).toEqual({
      'quick[i=1]@daegu': 1,
      'quick[i=2]@daegu': 1,
      'lagging[i=3]@daegu': 1,
      'lagging[i=4]@daegu': 1,
      aggregate: 1,
    });

    await expectHalfcachedResults(project);
    expect(batch.poolNodes('mxn')?.targetDedicated).toBe(0);
  });
});
