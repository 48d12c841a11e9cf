// The shapes of what the aws-batch backend submits, against the loopback AWS Batch service: gate jobs above 20
// dependsOn; a Fargate queue's job definition, and cells split into array jobs of at most maxArraySize; no new job
// definition revision when a rerun with new cells uses an unchanged image.
import { tmpdir } from 'node:os';
import { CreateComputeEnvironmentCommand, CreateJobQueueCommand, BatchClient } from '@aws-sdk/client-batch';
import { awsBatchSpecFacts } from '@mxn/testkit';
import { joinKey, readText } from '@mxn/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from './run-on-aws-batch.js';
import { CONTRACT_IMAGE, startLoopback, type Loopback } from '../test-support/loopback.js';
import { readSummary, stagedSpec, withShellCells } from '../test-support/specs.js';

const RERUN_IMAGE = 'mxn.local/rerun:1';

let loop: Loopback;
beforeAll(async () => {
  loop = await startLoopback({
    images: { [CONTRACT_IMAGE]: { cwd: tmpdir() }, [RERUN_IMAGE]: { cwd: tmpdir() } },
    queue: { maxvCpus: 16 },
    maxRunning: 16,
  });
}, 60_000);
afterAll(async () => {
  await loop?.stop();
});

const staged = (cells: Parameters<typeof stagedSpec>[1], extra: Parameters<typeof stagedSpec>[2] = {}) => stagedSpec(loop, cells, extra);
const jobsOf = (runId: string) => [...loop.batch.store.jobs.values()].filter((job) => job.jobName.includes(runId) && !job.parentId);

describe('aws-batch backend: job shapes', { timeout: 120_000 }, () => {
  it('runs 21 cells as plain jobs (maxArraySize 1), and fans in through gate jobs past 20 dependsOn', async () => {
    const ids = Array.from({ length: 21 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    const { spec, store } = await staged(
      ids.map((id) => ({ id })),
      { limits: { concurrency: 16, retries: 0, timeoutMs: 60_000 } },
    );
    let report: RunReport | undefined;
    const outcome = await loop.backend({ maxArraySize: 1, onReport: (r) => (report = r) }).run(withShellCells(spec));
    expect(outcome.tasks.map((t) => t.status)).toEqual(ids.map(() => 'succeeded'));
    expect(outcome.aggregate?.status).toBe('succeeded');
    // Every cell's output reached the aggregate through its own job: y = x + 1.
    expect((await readSummary(store, spec.aggregate!.outputPrefix)).ys).toEqual(
      Object.fromEntries(ids.map((id, i) => [id, String(10 * (i + 1) + 1)])),
    );

    const jobs = jobsOf(spec.runId);
    const cellJobs = jobs.filter((job) => !/-(gate-\d+-\d+|aggregate)$/.test(job.jobName));
    // At most 1 cell per job: 21 plain jobs, no array job.
    expect(cellJobs.map((job) => job.arraySize)).toEqual(ids.map(() => undefined));
    // 21 cell jobs are more than one job may depend on (20): two gates, and the aggregate depends on them.
    expect(awsBatchSpecFacts.limits['SubmitJobRequest.dependsOn']).toEqual({ max: 20 });
    const gates = jobs.filter((job) => /-gate-0-\d+$/.test(job.jobName)).sort((a, b) => a.jobName.localeCompare(b.jobName));
    expect(gates.map((gate) => gate.dependsOn.length)).toEqual([20, 1]);
    const gated = new Set(gates.flatMap((gate) => gate.dependsOn.map((dep) => dep.jobId)));
    expect(gated).toEqual(new Set(cellJobs.map((job) => job.jobId)));
    const aggregate = jobs.find((job) => job.jobName.endsWith('-aggregate'))!;
    expect(aggregate.dependsOn.map((dep) => dep.jobId).sort()).toEqual(gates.map((gate) => gate.jobId).sort());
    expect(aggregate.startedAt!).toBeGreaterThanOrEqual(Math.max(...gates.map((gate) => gate.stoppedAt!)));
    expect(report?.submitted).toBe(21 + 2 + 1);
    expect(jobs).toHaveLength(24);
  });

  it('registers a FARGATE job definition with Fargate-valid resources when the queue runs on Fargate', async () => {
    const sdk = new BatchClient({ endpoint: loop.batch.url, region: loop.batch.region, credentials: loop.batch.credentials[0]! });
    try {
      await sdk.send(
        new CreateComputeEnvironmentCommand({
          computeEnvironmentName: 'fargate-ce',
          type: 'MANAGED',
          state: 'ENABLED',
          computeResources: { type: 'FARGATE', maxvCpus: 8, subnets: ['subnet-loopback'] },
        }),
      );
      await sdk.send(
        new CreateJobQueueCommand({
          jobQueueName: 'fargate-q',
          priority: 1,
          state: 'ENABLED',
          computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'fargate-ce' }],
        }),
      );
    } finally {
      sdk.destroy();
    }
    const { spec, store } = await staged([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const definitionsBefore = loop.batch.store.jobDefinitions.length;
    const outcome = await loop
      .backend({
        queue: 'fargate-q',
        vcpus: 2,
        memory: 4096,
        executionRoleArn: 'arn:aws:iam::123456789012:role/mxn-execution',
        maxArraySize: 2,
      })
      .run(withShellCells(spec));
    expect(outcome.tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // 3 cells, at most 2 per array job: an array job of 2 and a plain job, each cell's output from its own child (y = x + 1).
    const cellJobs = jobsOf(spec.runId).filter((job) => !job.jobName.endsWith('-aggregate'));
    expect(cellJobs.map((job) => job.arraySize ?? 1).sort()).toEqual([1, 2]);
    const ys = await Promise.all(spec.tasks.map((task) => readText(store, joinKey(task.outputPrefix, 'y.txt'))));
    expect(ys).toEqual(['11', '21', '31']);
    const registered = loop.batch.store.jobDefinitions.slice(definitionsBefore);
    expect(registered).toHaveLength(1);
    const definition = registered[0]!;
    expect(definition.platformCapabilities).toEqual(['FARGATE']);
    const requirements = Object.fromEntries(
      ((definition.containerProperties?.resourceRequirements ?? []) as { type: string; value: string }[]).map((r) => [r.type, r.value]),
    );
    expect(requirements).toEqual({ VCPU: '2', MEMORY: '4096' });
    // The description's Fargate table: MEMORY 4096 goes with VCPU 0.5, 1 or 2 (the fake refuses other pairs).
    expect(awsBatchSpecFacts.limits['ResourceRequirement.value']?.combinations?.[requirements.MEMORY!]).toContain(requirements.VCPU);
    expect(definition.containerProperties).toMatchObject({ executionRoleArn: 'arn:aws:iam::123456789012:role/mxn-execution' });
    const jobs = jobsOf(spec.runId);
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.every((job) => job.platformCapabilities?.[0] === 'FARGATE')).toBe(true);
  });

  it('registers no new job definition revision when a rerun with new cells uses an unchanged image', async () => {
    const cells = (alpha: number) => [
      { id: 'a', image: RERUN_IMAGE, env: { MXN_PARAMS: JSON.stringify({ alpha }) } },
      { id: 'b', image: RERUN_IMAGE, env: { MXN_PARAMS: JSON.stringify({ alpha }) } },
    ];
    const first = await staged(cells(1));
    const registersBefore = loop.batch.calls.RegisterJobDefinition ?? 0;
    expect((await loop.backend().run(first.spec)).tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded']);
    const rerunDefinitions = () => loop.batch.store.jobDefinitions.filter((d) => d.containerProperties?.image === RERUN_IMAGE);
    expect(rerunDefinitions()).toHaveLength(1);
    const registersAfterFirst = loop.batch.calls.RegisterJobDefinition ?? 0;
    expect(registersAfterFirst).toBe(registersBefore + 1);

    // A changed parameter: the cells are not cached, the plan is new, the image is the same.
    const second = await staged(cells(2));
    expect(second.spec.runId).not.toBe(first.spec.runId);
    expect((await loop.backend().run(second.spec)).tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded']);
    expect(loop.batch.calls.RegisterJobDefinition ?? 0).toBe(registersAfterFirst);
    expect(rerunDefinitions().map((d) => d.revision)).toEqual([1]);
    // Both runs' jobs used that one revision.
    const arn = rerunDefinitions()[0]!.jobDefinitionArn;
    const cellJobs = [...jobsOf(first.spec.runId), ...jobsOf(second.spec.runId)].filter((job) => job.arraySize === 2);
    expect(cellJobs.map((job) => job.jobDefinition)).toEqual([arn, arn]);
  });
});
