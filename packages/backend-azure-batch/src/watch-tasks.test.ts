import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskEvent, TaskSpec } from '@mxn/core';
import { createBatchClient, type BatchClient } from './client.js';
import { startLoopback, until, type Loopback } from '../test-support/loopback.js';
import { TaskWatcher } from './watch-tasks.js';

let loop: Loopback;
let client: BatchClient;
const vm = {
  imageReference: { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc', sku: '2404', version: 'latest' },
  nodeAgentSKUId: 'batch.node.ubuntu 24.04',
};
beforeAll(async () => {
  loop = await startLoopback();
  client = await createBatchClient({ accountUrl: loop.batch.url, accountName: loop.batch.accountName, accountKey: loop.batch.accountKey });
  await client.pool.add({ id: 'watch', vmSize: 'standard_d2s_v3', virtualMachineConfiguration: vm, targetDedicatedNodes: 1 });
}, 60_000);
afterAll(async () => {
  await loop?.stop();
});

const spec = (id: string): TaskSpec => ({
  id,
  kind: 'cell',
  model: 'm',
  dataset: 'd',
  command: ['x'],
  env: {},
  inputPrefix: 'i',
  outputPrefix: 'o',
});

describe('TaskWatcher', { timeout: 20_000 }, () => {
  it('makes one call per poll while the task counts do not change, and lists again when they do (or every listEvery polls)', async () => {
    await client.job.add({ id: 'quiet', poolInfo: { poolId: 'watch' } });
    await client.task.addCollection('quiet', [{ id: '1', commandLine: `node -e "setTimeout(() => {}, 1500)"` }]);
    expect(await until(() => loop.batch.store.job('quiet')?.tasks.get('1')?.state === 'running')).toBe(true);
    const events: TaskEvent[] = [];
    const watcher = new TaskWatcher(client, 'quiet', [{ batchId: '1', spec: spec('c') }], {
      emit: (e) => events.push(e),
      timeoutMs: 0,
      previousExitCode: async () => undefined,
      listEvery: 5,
    });
    loop.batch.resetCalls();
    await watcher.poll();
    expect(watcher.lastPollCalls).toBe(2);
    expect(events.map((e) => e.state)).toEqual(['running']);
    const perPoll: number[] = [];
    for (let i = 2; i <= 5; i++) {
      await watcher.poll();
      perPoll.push(watcher.lastPollCalls);
    }
    // Polls 2–4 saw the same counts: the counts call only. Poll 5 lists anyway (a retry changes no count).
    expect(perPoll).toEqual([1, 1, 1, 2]);
    expect(loop.batch.calls.Job_GetTaskCounts).toBe(5);
    expect(loop.batch.calls.Task_List).toBe(2);
    expect(await until(() => loop.batch.store.job('quiet')?.tasks.get('1')?.state === 'completed', 5000)).toBe(true);
    await watcher.poll();
    expect(watcher.lastPollCalls).toBe(2);
    expect(watcher.done).toBe(true);
    expect(events.map((e) => e.state)).toEqual(['running', 'succeeded']);
  });
});
