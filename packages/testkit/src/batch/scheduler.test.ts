import type { BatchServiceClient } from '@azure/batch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, startBatchService, type BatchService } from './service.js';
import { batchClient } from './test-helpers.js';

let svc: BatchService;
let client: BatchServiceClient;
const vm = {
  imageReference: { publisher: 'canonical', offer: '0001-com-ubuntu-server-jammy', sku: '22_04-lts', version: 'latest' },
  nodeAgentSKUId: 'batch.node.ubuntu 22.04',
};
const sleep = (ms: number) => `node -e "setTimeout(() => {}, ${ms})"`;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  svc = await startBatchService({ enableAutoScaleMinIntervalMs: 30_000, clock: fixedClock() });
  client = batchClient(svc);
  await client.pool.add({
    id: 'fixed',
    vmSize: 'standard_d2s_v3',
    virtualMachineConfiguration: vm,
    targetDedicatedNodes: 1,
    taskSlotsPerNode: 2,
  });
});
afterAll(() => svc?.stop());

describe('scheduler', () => {
  it('runs at most nodes × taskSlotsPerNode tasks at once', async () => {
    await client.job.add({ id: 'slots', poolInfo: { poolId: 'fixed' }, onAllTasksComplete: 'noaction' });
    await client.task.addCollection(
      'slots',
      ['a', 'b', 'c', 'd'].map((id) => ({ id, commandLine: sleep(300) })),
    );
    let peak = 0;
    await waitFor('all tasks to complete', async () => {
      peak = Math.max(peak, svc.poolNodes('fixed')!.busySlots);
      const c = (await client.job.getTaskCounts('slots')).taskCounts;
      peak = Math.max(peak, c.running);
      return c.completed === 4 ? true : undefined;
    });
    expect(peak).toBe(2);
  });

  it('keeps a dependent task waiting when a failed dependency blocks it', async () => {
    await client.job.add({ id: 'blocked', poolInfo: { poolId: 'fixed' }, usesTaskDependencies: true });
    await client.task.addCollection('blocked', [
      { id: 'fails', commandLine: 'node -e "process.exit(2)"' },
      { id: 'after', commandLine: 'true', dependsOn: { taskIds: ['fails'] } },
      {
        id: 'a1',
        commandLine: 'node -e "process.exit(1)"',
        exitConditions: { exitCodes: [{ code: 1, exitOptions: { dependencyAction: 'satisfy' } }] },
      },
      { id: 'after-a1', commandLine: 'true', dependsOn: { taskIds: ['a1'] } },
    ]);
    await waitFor('after-a1 to complete', async () =>
      (await client.task.get('blocked', 'after-a1')).state === 'completed' ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 200));
    expect((await client.task.get('blocked', 'fails')).executionInfo).toMatchObject({ exitCode: 2, result: 'failure' });
    expect((await client.task.get('blocked', 'after')).state).toBe('active');
    expect((await client.job.getTaskCounts('blocked')).taskCounts).toMatchObject({ active: 1, completed: 3 });
  });

  it('task id ranges match integer ids only', async () => {
    await client.job.add({ id: 'ranges', poolInfo: { poolId: 'fixed' }, usesTaskDependencies: true });
    await client.task.addCollection('ranges', [
      { id: 'x5', commandLine: 'node -e "process.exit(1)"' }, // not an integer id: outside every range
      { id: '5', commandLine: 'true' },
      { id: 'fanin', commandLine: 'true', dependsOn: { taskIdRanges: [{ start: 1, end: 10 }] } },
    ]);
    const fanin = await waitFor('fanin to complete', async () => {
      const t = await client.task.get('ranges', 'fanin');
      return t.state === 'completed' ? t : undefined;
    });
    const five = await client.task.get('ranges', '5');
    expect(fanin.executionInfo!.startTime!.getTime()).toBeGreaterThanOrEqual(five.executionInfo!.endTime!.getTime());
  });

  it('stops a task at its maxWallClockTime', async () => {
    await client.job.add({ id: 'wall', poolInfo: { poolId: 'fixed' } });
    await client.task.addCollection('wall', [
      { id: 'slow', commandLine: sleep(20_000), constraints: { maxWallClockTime: 'PT0.3S', maxTaskRetryCount: 3 } },
    ]);
    const t0 = Date.now();
    const t = await waitFor('slow to end', async () => {
      const x = await client.task.get('wall', 'slow');
      return x.state === 'completed' ? x : undefined;
    });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(t.executionInfo).toMatchObject({ result: 'failure', retryCount: 0, failureInfo: { code: 'MaxWallClockTimeExceeded' } });
  });

  it('terminates a job: running tasks stop, the job completes', async () => {
    await client.job.add({ id: 'term', poolInfo: { poolId: 'fixed' } });
    await client.task.addCollection('term', [{ id: 'long', commandLine: sleep(20_000) }]);
    await waitFor('long to run', async () => ((await client.task.get('term', 'long')).state === 'running' ? true : undefined));
    await client.job.terminate('term');
    const job = await waitFor('term to complete', async () => {
      const j = await client.job.get('term');
      return j.state === 'completed' ? j : undefined;
    });
    expect(job.executionInfo?.terminateReason).toBe('UserTerminate');
    expect((await client.task.get('term', 'long')).executionInfo).toMatchObject({ result: 'failure', failureInfo: { code: 'TaskEnded' } });
    await expect(client.task.addCollection('term', [{ id: 'late', commandLine: 'true' }])).rejects.toMatchObject({
      statusCode: 409,
      code: 'JobCompleted',
    });
  });

  it('terminates a job with terminatejob and no tasks at once, as the service does', async () => {
    await client.job.add({ id: 'empty', poolInfo: { poolId: 'fixed' }, onAllTasksComplete: 'terminatejob' });
    const job = await waitFor('empty to complete', async () => {
      const j = await client.job.get('empty');
      return j.state === 'completed' ? j : undefined;
    });
    expect(job.executionInfo?.terminateReason).toBe('AllTasksComplete');
  });

  it('autoscale: evaluate only reports, enable applies, and enable is limited to once per 30 s', async () => {
    await client.pool.add({
      id: 'auto',
      vmSize: 'standard_d2s_v3',
      virtualMachineConfiguration: vm,
      enableAutoScale: true,
      autoScaleFormula: '$TargetDedicatedNodes = 0;',
      autoScaleEvaluationInterval: 'PT168H',
    });
    const run = await client.pool.evaluateAutoScale('auto', '$TargetDedicatedNodes = max(3, $PendingTasks.GetSample(1));');
    expect(run.results).toContain('$TargetDedicatedNodes=3');
    expect(svc.poolNodes('auto')!.targetDedicated).toBe(0);
    const bad = await client.pool.evaluateAutoScale('auto', '$TargetDedicatedNodes = (;');
    expect(bad.error?.code).toBe('AutoScalingFormulaSyntaxError');

    await client.pool.enableAutoScale('auto', { autoScaleFormula: '$TargetDedicatedNodes = 2; $NodeDeallocationOption = taskcompletion;' });
    expect(svc.poolNodes('auto')!.targetDedicated).toBe(2);
    await waitFor('2 nodes', async () => ((await client.pool.get('auto')).currentDedicatedNodes === 2 ? true : undefined));
    await expect(client.pool.enableAutoScale('auto', { autoScaleFormula: '$TargetDedicatedNodes = 0;' })).rejects.toMatchObject({
      statusCode: 409,
      code: 'AutoScaleTooManyRequestsToEnable',
    });
    expect(svc.autoScaleEvaluations.filter((e) => e.poolId === 'auto').map((e) => e.trigger)).toEqual([
      'add',
      'evaluate',
      'evaluate',
      'enable',
    ]);

    await client.pool.disableAutoScale('auto');
    await client.pool.resize('auto', { targetDedicatedNodes: 0 });
    await waitFor('0 nodes', () => (svc.poolNodes('auto')!.dedicated === 0 ? true : undefined));
    await client.pool.deleteMethod('auto');
    await waitFor('the pool to go', async () => ((await client.pool.exists('auto')).body === false ? true : undefined));
  });
});

describe('lagging autoscale samples (sampleLagMs)', () => {
  it('shows formulas the task counts of sampleLagMs ago, so an evaluation right after the work ends still sees it', async () => {
    const lagging = await startBatchService({ enableAutoScaleMinIntervalMs: 0, sampleLagMs: 600, tickMs: 10, clock: fixedClock() });
    try {
      const batch = batchClient(lagging);
      await batch.pool.add({
        id: 'p',
        vmSize: 'standard_d2s_v3',
        virtualMachineConfiguration: vm,
        enableAutoScale: true,
        autoScaleFormula: '$TargetDedicatedNodes = 1;',
        autoScaleEvaluationInterval: 'PT5M',
      });
      await batch.job.add({ id: 'j', poolInfo: { poolId: 'p' } });
      await batch.task.addCollection('j', [{ id: 't', commandLine: sleep(800) }]);
      await waitFor('t to run', async () => ((await batch.task.get('j', 't')).state === 'running' ? true : undefined));
      const formula = '$TargetDedicatedNodes = $PendingTasks; $TargetLowPriorityNodes = 0;';
      // Running for less than the lag: the sample predates the task.
      expect((await batch.pool.evaluateAutoScale('p', formula)).results).toContain('$TargetDedicatedNodes=0');
      await waitFor('t to complete', async () => ((await batch.task.get('j', 't')).state === 'completed' ? true : undefined));
      // Just finished: the sample still shows it pending.
      expect((await batch.pool.evaluateAutoScale('p', formula)).results).toContain('$TargetDedicatedNodes=1');
      await new Promise((r) => setTimeout(r, 700));
      expect((await batch.pool.evaluateAutoScale('p', formula)).results).toContain('$TargetDedicatedNodes=0');
    } finally {
      await lagging.stop();
    }
  });
});
