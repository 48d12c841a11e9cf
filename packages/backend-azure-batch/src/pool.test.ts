import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinKey } from '@mxn/storage';
import { startLoopback, until, type Loopback } from '../test-support/loopback.js';
import { growthError } from './pool.js';
import { testSpec } from '../test-support/specs.js';

// The service's autoscale samples lag: here $PendingTasks is 1.5 s old, evaluated every 300 ms.
let loop: Loopback;
beforeAll(async () => {
  loop = await startLoopback({ sampleLagMs: 1500, autoScaleIntervalMs: 300 });
}, 60_000);
afterAll(async () => {
  await loop?.stop();
});

async function staged(cells: Array<{ id: string; env?: Record<string, string> }>, extra = {}) {
  const { uri, store } = await loop.staging();
  const spec = testSpec(uri, cells, extra);
  for (const task of spec.tasks) await store.write(joinKey(task.inputPrefix, 'x.txt'), '1');
  return spec;
}

describe('the pool a run used', { timeout: 30_000 }, () => {
  it('is at zero as soon as the run ends, although the lagging samples still show its tasks pending', async () => {
    const spec = await staged([{ id: 'a', env: { SLEEP_MS: '1200' } }]);
    loop.batch.resetCalls();
    const outcome = await loop.backend({ poolId: 'lag' }).run(spec);
    expect(outcome.tasks[0]?.status).toBe('succeeded');
    expect(loop.batch.poolNodes('lag')).toMatchObject({ targetDedicated: 0, targetLowPriority: 0 });
    expect(await until(() => loop.batch.poolNodes('lag')?.dedicated === 0, 2000)).toBe(true);
    // Autoscale off, then a resize to 0 that lets running tasks finish.
    const poolCalls = loop.batch.requests.filter((r) => /\/pools\/lag\/(disableautoscale|resize|enableautoscale)/.test(r.url));
    const last = poolCalls.slice(-2);
    expect(last.map((r) => r.url.split('?')[0]!.split('/').pop())).toEqual(['disableautoscale', 'resize']);
    expect(JSON.parse(last[1]!.body)).toEqual({
      targetDedicatedNodes: 0,
      targetLowPriorityNodes: 0,
      nodeDeallocationOption: 'taskcompletion',
    });
    // It stays there: no evaluation brings the lagging samples back.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(loop.batch.poolNodes('lag')?.targetDedicated).toBe(0);
  });

  it('is turned back on by a concurrent run of the same pool that still has tasks waiting', async () => {
    const first = await staged([{ id: 'f', env: { SLEEP_MS: '300' } }], { aggregate: undefined });
    const second = await staged(
      ['s1', 's2', 's3'].map((id) => ({ id, env: { SLEEP_MS: '500' } })),
      { aggregate: undefined },
    );
    const backend = loop.backend({ poolId: 'shared', maxNodes: 1 });
    loop.batch.resetCalls();
    const firstRun = backend.run(first);
    expect(
      await until(() => [...(loop.batch.store.job(`mxn-${first.runId}`)?.tasks.values() ?? [])].some((t) => t.state === 'running'), 10_000),
    ).toBe(true);
    const secondRun = backend.run(second);
    expect((await firstRun).tasks[0]?.status).toBe('succeeded');
    // The first run parked the pool (it cannot know about the second run's waiting tasks) …
    const outcome = await secondRun;
    // … and the second run found it parked and finished anyway.
    expect(outcome.tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const calls = loop.batch.requests.map((r) => r.url.split('?')[0]!.split('/').pop());
    const parked = calls.indexOf('resize');
    expect(parked).toBeGreaterThan(-1);
    expect(calls.slice(parked)).toContain('enableautoscale');
    expect(loop.batch.poolNodes('shared')?.targetDedicated).toBe(0);
  });
});

describe('a pool that cannot grow', () => {
  it('is told by its resize errors once its last resize ended without a node, each error once, secrets masked', () => {
    const error = { code: 'AllocationFailed', message: 'Quota exceeded for https://x/y?sv=1&sig=SECRET\nmore' };
    const pool = { allocationState: 'steady' as const, currentDedicatedNodes: 0, resizeErrors: [error, error] };
    expect(growthError(pool)).toBe('AllocationFailed: Quota exceeded for https://x/y?sv=1&sig=***');
    expect(growthError({ ...pool, allocationState: 'resizing' })).toBeUndefined();
    expect(growthError({ ...pool, currentLowPriorityNodes: 1 })).toBeUndefined();
    expect(growthError({ ...pool, resizeErrors: [] })).toBeUndefined();
  });
});
