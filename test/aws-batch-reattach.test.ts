// The runner killed after submission on aws-batch (issue 13, "Faults"): `mxn run` is SIGKILLed as soon as the
// loopback AWS Batch service has accepted the SubmitJob of its array job; the next `mxn run` of the same
// experiment finds that array job by its deterministic name, submits nothing twice, watches it to the end and
// writes complete results, the same as a local run's. The second case kills it after some cells finished and
// were cached: the next run has fewer cells under the same run id (and array job), and each must still be
// matched to its own child.
import { listAll, s3Store } from '@mxn/storage';
import type { EmulatorsHandle } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectHalfcachedResults,
  killHalfcachedOnceCached,
  killRunnerWhen,
  localRmse,
  rmseByCell,
  writeReattachExperiments,
} from './support/killed-run.js';
import { cliOutput as output, type E2eProject } from './support/project.js';
import { slowBatchProject } from './support/slow-batch-project.js';

describe('mxn run re-attaches on aws-batch after the runner was killed', () => {
  let project: E2eProject;
  let emulators: EmulatorsHandle;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ({ project, emulators, env } = await slowBatchProject({ ensemble: true, backend: 'aws-batch' }));
    // One image, so one array job per run: for halfcached, four children, the quick cells at indexes 0 and 1, the lagging ones
    // at 2 and 3.
    await writeReattachExperiments(project, {
      slowish: '{ backend: aws-batch, retries: 0, timeout: 5m }',
      halfcached: '{ backend: aws-batch, retries: 0, timeout: 5m }',
    });
  }, 120_000);
  afterAll(async () => {
    await emulators?.stop();
  });

  /** The SubmitJob calls the service accepted (answered 200), as [jobName, array size or 1]. */
  const acceptedSubmits = () =>
    emulators
      .awsBatch!.requests.filter((r) => r.operation === 'SubmitJob' && r.status === 200)
      .map((r) => {
        const body = JSON.parse(r.body) as { jobName: string; arrayProperties?: { size: number } };
        return [body.jobName, body.arrayProperties?.size ?? 1] as const;
      });
  /** Top-level jobs (no array children) of one experiment's runs, by name prefix. */
  const jobsOf = (experiment: string) =>
    [...emulators.awsBatch!.store.jobs.values()].filter(
      (job) => job.parentId === undefined && job.jobName.startsWith(`mxn-${experiment}-`),
    );
  const everyJobEnded = () => [...emulators.awsBatch!.store.jobs.values()].every((job) => ['SUCCEEDED', 'FAILED'].includes(job.status));

  it("finds the same array job, submits nothing twice and finishes with the local run's results", { timeout: 180_000 }, async () => {
    const aws = emulators.awsBatch!;
    aws.resetCalls();
    // Killed on a final state: the service has answered the array job's SubmitJob (the job exists, whatever the runner saw).
    const signal = await killRunnerWhen(
      project,
      ['run', 'experiments/slowish.yaml'],
      env,
      () => acceptedSubmits().some(([, size]) => size > 1),
      {
        timeoutMs: 90_000,
      },
    );
    expect(signal).toBe('SIGKILL');
    const [array] = jobsOf('slowish').filter((job) => job.arraySize !== undefined);
    expect(array?.arraySize).toBe(3);
    expect(array?.jobName).toMatch(/^mxn-slowish-[0-9a-f]{12}-g1-c[0-9a-f]{10}-0-[0-9a-f]{8}$/);
    // Killed mid-run: the array job is still going.
    expect(['SUCCEEDED', 'FAILED']).not.toContain(array!.status);

    const again = await project.mxn(['run', 'experiments/slowish.yaml'], { env });
    expect(again.stderr, output(again)).not.toMatch(/error/i);
    expect(again.code, output(again)).toBe(0);

    // Across both runs: one SubmitJob for the matrix (the array job found again by name), one for the aggregate
    // (by whichever run got to it), nothing twice; the second run asked for the jobs of the run by name.
    const submits = acceptedSubmits();
    expect(submits.filter(([, size]) => size > 1)).toEqual([[array!.jobName, 3]]);
    const aggregateName = array!.jobName.replace(/c[0-9a-f]{10}-0-[0-9a-f]{8}$/, 'aggregate');
    expect(submits.map(([name]) => name).sort()).toEqual([array!.jobName, aggregateName].sort());
    expect(aws.requests.some((r) => r.operation === 'ListJobs' && r.body.includes('JOB_NAME'))).toBe(true);
    // Each child ran once; the same two jobs ran to the end, and nothing is left running.
    expect(array!.children?.map((id) => aws.job(id)!.attempts.length)).toEqual([1, 1, 1]);
    expect(jobsOf('slowish').map((job) => [job.jobName, job.status])).toEqual(submits.map(([name]) => [name, 'SUCCEEDED']));
    expect(everyJobEnded()).toBe(true);

    const results = await project.results('slowish');
    expect(results.backend).toBe('aws-batch');
    expect(results.cells.map((cell) => cell.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(results.aggregate?.status).toBe('succeeded');
    // Each cell's rmse is that of its own predictions (every variant predicts a different constant), as locally.
    expect(new Set(Object.values(rmseByCell(results))).size).toBe(3);
    expect(rmseByCell(results)).toEqual(await localRmse(project, 'slowish'));
    aws.assertNoSecrets();
  });

  it('re-attaches each remaining cell to its own child after the finished cells were cached', { timeout: 180_000 }, async () => {
    const aws = emulators.awsBatch!;
    aws.resetCalls();
    // With S3 staging the cache is the staging store itself (storeAddresses of @mxn/core): results at cache/<key>.json.
    const staging = await s3Store({
      uri: 's3://mxn/staging',
      endpoint: emulators.s3.endpoint,
      credentials: { accessKeyId: emulators.s3.accessKeyId, secretAccessKey: emulators.s3.secretAccessKey },
    });
    const cachedCount = async () => (await listAll(staging, 'cache/')).filter((object) => object.key.endsWith('.json')).length;
    // The cache writes a result's digest (digests/cache/<key>.json.sha256) before the result: once cache/<key>.json
    // exists, the result is sealed and the next run counts the cell cached. So waiting on the results alone is enough.
    await killHalfcachedOnceCached(project, env, cachedCount, 90_000);
    const [array] = jobsOf('halfcached').filter((job) => job.arraySize !== undefined);
    expect(array?.arraySize).toBe(4);
    const child = (index: number) => aws.job(array!.children![index]!)!;
    // The quick cells (indexes 0 and 1) are done; the lagging ones are not.
    expect([0, 1].map((index) => child(index).status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect([2, 3].map((index) => child(index).status).filter((status) => status === 'SUCCEEDED' || status === 'FAILED')).toEqual([]);

    const again = await project.mxn(['run', 'experiments/halfcached.yaml'], { env });
    expect(again.stderr, output(again)).not.toMatch(/error/i);
    expect(again.code, output(again)).toBe(0);
    // One SubmitJob for the four cells across both runs (the second run's two cells re-attached to it), one for the aggregate.
    const submits = acceptedSubmits();
    expect(submits.filter(([, size]) => size > 1)).toEqual([[array!.jobName, 4]]);
    expect(submits).toHaveLength(2);
    expect(array!.children?.map((id) => aws.job(id)!.attempts.length)).toEqual([1, 1, 1, 1]);
    expect(everyJobEnded()).toBe(true);

    // The lagging cells were matched to their own children, not to the quick cells' indexes of the shorter cell list.
    await expectHalfcachedResults(project);
    aws.assertNoSecrets();
  });
});
