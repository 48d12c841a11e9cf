import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskEvent } from '@mxn/core';
import { joinKey, readText, type Store } from '@mxn/storage';
import { AZURITE_KEY } from '@mxn/emulators';
import { startBatchService } from '@mxn/testkit';
import { azureBatchBackend } from './azure-batch-backend.js';
import { jobIdFor } from './ids.js';
import { startLoopback, until, CONTRACT_IMAGE, TEST_NOW, type Loopback } from '../test-support/loopback.js';
import { testSpec } from '../test-support/specs.js';

let loop: Loopback;
beforeAll(async () => {
  loop = await startLoopback();
}, 60_000);
afterAll(async () => {
  await loop?.stop();
});

async function staged(cells: Array<{ id: string; env?: Record<string, string> }>, extra = {}) {
  const { uri, store } = await loop.staging();
  const spec = testSpec(uri, cells, extra);
  for (const [i, task] of spec.tasks.entries()) await store.write(joinKey(task.inputPrefix, 'x.txt'), String(10 * (i + 1)));
  return { spec, store };
}
const summary = async (store: Store, prefix: string) =>
  JSON.parse(await readText(store, joinKey(prefix, 'summary.json'))) as { statuses: Record<string, string>; ys: Record<string, string> };
const addedTasks = (batch: Loopback['batch']) =>
  batch.requests
    .filter((r) => r.url.includes('/addtaskcollection') && r.status === 200)
    .reduce((n, r) => n + (JSON.parse(r.body).value as unknown[]).length, 0);

describe('azure-batch backend against the loopback service', { timeout: 30_000 }, () => {
  it('rides out a storm of 429s with Retry-After and intermittent 503s', async () => {
    const { spec, store } = await staged([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const throttled = loop.batch.inject({ status: 429, retryAfterSeconds: 1, operation: 'Task_AddCollection', times: 2 });
    const busy = loop.batch.inject({ status: 503, rate: 0.3 });
    const started = Date.now();
    const outcome = await loop.backend({ poolId: 'faults' }).run(spec);
    busy.remove();
    expect(throttled.hits).toBe(2);
    expect(busy.hits).toBeGreaterThan(0);
    // Retry-After was honoured (two waits of 1 s), not a short backoff.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(outcome.tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(outcome.aggregate?.status).toBe('succeeded');
    expect((await summary(store, spec.aggregate!.outputPrefix)).ys).toEqual({ a: '11', b: '21', c: '31' });
  });

  it('reports a cell that fails every attempt failed, with its stderr tail, and still runs the aggregate', async () => {
    const { spec, store } = await staged([{ id: 'good' }, { id: 'bad', env: { FAIL_CODE: '4' } }], {
      limits: { concurrency: 2, retries: 2, retryModelFailures: true, timeoutMs: 60_000 },
    });
    const events: TaskEvent[] = [];
    const outcome = await loop.backend({ poolId: 'faults' }).run(spec, { onEvent: (e) => events.push(e) });
    const bad = outcome.tasks.find((t) => t.taskId === 'bad')!;
    expect(bad).toMatchObject({ status: 'failed', attempts: 3, exitCode: 4 });
    expect(bad.error).toMatch(/^exit code 4/);
    expect(bad.error).toContain('oops 30');
    expect(bad.error).not.toContain('oops 10\n');
    expect(events.filter((e) => e.taskId === 'bad' && e.state === 'retrying').map((e) => e.message)).toEqual([
      'exit code 4',
      'exit code 4',
    ]);
    expect(outcome.aggregate?.status).toBe('succeeded');
    // The manifest was written before the cells ran; the aggregate saw their real outcomes.
    expect(await readText(store, joinKey(spec.aggregate!.inputPrefix, 'manifest.json'))).toContain('"status":"pending"');
    expect((await summary(store, spec.aggregate!.outputPrefix)).statuses).toEqual({ good: 'succeeded', bad: 'failed' });
    expect(await until(() => loop.batch.poolNodes('faults')?.dedicated === 0)).toBe(true);
  });

  it('re-attaches after the runner was killed right after submission, adding no task twice', async () => {
    const { spec, store } = await staged([
      { id: 'a', env: { SLEEP_MS: '400' } },
      { id: 'b', env: { SLEEP_MS: '400' } },
    ]);
    loop.batch.resetCalls();
    const killed = new AbortController();
    const first = await loop.backend({ poolId: 'faults', detachOnAbort: true }).run(spec, {
      signal: killed.signal,
      onEvent: (e) => e.state === 'running' && killed.abort(),
    });
    expect(first.cancelled).toBe(true);
    const job = loop.batch.store.job(jobIdFor(spec.runId));
    expect(job?.state).toBe('active');
    expect(addedTasks(loop.batch)).toBe(3);

    const second = await loop.backend({ poolId: 'faults' }).run(spec);
    expect(second.tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded']);
    expect(second.aggregate?.status).toBe('succeeded');
    expect(addedTasks(loop.batch)).toBe(3);
    expect(loop.batch.calls.Job_Add).toBe(2);
    expect((await summary(store, spec.aggregate!.outputPrefix)).ys).toEqual({ a: '11', b: '21' });
    // The finished job is deleted.
    expect(await until(() => loop.batch.store.job(jobIdFor(spec.runId)) === undefined)).toBe(true);
  });

  it('re-attaches each cell to its own task when the cells that finished meanwhile are cached and left out', async () => {
    const quick = { SLEEP_MS: '50' };
    const slow = { SLEEP_MS: '2500' };
    const { spec, store } = await staged([
      { id: 'a', env: quick },
      { id: 'b', env: quick },
      { id: 'c', env: slow },
      { id: 'd', env: slow },
    ]);
    loop.batch.resetCalls();
    const killed = new AbortController();
    const done = new Set<string>();
    const first = await loop.backend({ poolId: 'faults', detachOnAbort: true }).run(spec, {
      signal: killed.signal,
      onEvent: (e) => e.state === 'succeeded' && done.add(e.taskId) && done.size === 2 && killed.abort(),
    });
    expect(first.cancelled).toBe(true);
    expect([...done].sort()).toEqual(['a', 'b']);
    const job = loop.batch.store.job(jobIdFor(spec.runId))!;
    expect(
      [...job.tasks.values()]
        .filter((t) => t.state !== 'completed')
        .map((t) => t.spec.displayName)
        .sort(),
    ).toEqual(['aggregate', 'c', 'd']);

    // The same run id (it hashes the whole plan) with only the cells that are not cached yet.
    const [a, b, c, d] = spec.tasks;
    const again = {
      ...spec,
      tasks: [c!, d!],
      cached: [a!, b!].map((t) => ({ id: t.id, model: t.model, dataset: t.dataset, outputPrefix: t.outputPrefix })),
    };
    const events: TaskEvent[] = [];
    const second = await loop.backend({ poolId: 'faults', keepJob: true }).run(again, { onEvent: (e) => events.push(e) });
    expect(second.tasks.map((t) => [t.taskId, t.status])).toEqual([
      ['c', 'succeeded'],
      ['d', 'succeeded'],
    ]);
    // Each reported the run of its own task (2.5 s), not a quick cell's; and its outputs were there when it was reported.
    for (const outcome of second.tasks) expect(outcome.durationMs).toBeGreaterThanOrEqual(2000);
    expect(await readText(store, joinKey(c!.outputPrefix, 'y.txt'))).toBe('31');
    expect(await readText(store, joinKey(d!.outputPrefix, 'y.txt'))).toBe('41');
    expect(new Set(events.map((e) => e.taskId))).toEqual(new Set(['c', 'd', 'aggregate']));
    expect(
      events
        .filter((e) => e.state === 'succeeded')
        .map((e) => e.taskId)
        .sort(),
    ).toEqual(['aggregate', 'c', 'd']);
    // Nothing added twice; each cell's task is the one it got first; the aggregate ran once over all four.
    expect(addedTasks(loop.batch)).toBe(5);
    const tasks = loop.batch.store.job(jobIdFor(spec.runId))!.tasks;
    expect(Object.fromEntries([...tasks.values()].map((t) => [t.id, t.spec.displayName]))).toEqual({
      1: 'a',
      2: 'b',
      3: 'c',
      4: 'd',
      aggregate: 'aggregate',
    });
    expect(second.aggregate?.status).toBe('succeeded');
    expect((await summary(store, spec.aggregate!.outputPrefix)).ys).toEqual({ a: '11', b: '21', c: '31', d: '41' });
  });

  it('resubmits tasks answered servererror and splits a chunk refused as RequestBodyTooLarge', async () => {
    const { spec } = await staged(['a', 'b', 'c', 'd'].map((id) => ({ id })));
    loop.batch.resetCalls();
    loop.batch.inject({ taskServerErrors: 2 });
    loop.batch.inject({ status: 413, code: 'RequestBodyTooLarge', operation: 'Task_AddCollection', times: 1 });
    const outcome = await loop.backend({ poolId: 'faults', keepJob: true }).run(spec);
    expect(outcome.tasks.every((t) => t.status === 'succeeded')).toBe(true);
    expect(loop.batch.store.job(jobIdFor(spec.runId))?.tasks.size).toBe(5);
    // 1 refused + 2 halves + 1 resubmission of the two server errors.
    expect(loop.batch.calls.Task_AddCollection).toBe(4);
  });

  it('sends Batch no storage key or AWS secret, and gives a cell read-only URLs of exactly its inputs and write-only outputs', async () => {
    const secret = 'aws-secret-for-the-test-0123456789';
    process.env.AWS_SECRET_ACCESS_KEY = secret;
    const { spec, store } = await staged([{ id: 'a' }, { id: 'b' }]);
    // What else the staging container holds: held-out labels, and (above) the other cell's inputs.
    const labels = joinKey(spec.tasks[0]!.inputPrefix.replace(/\/input$/, '/labels'), 'labels.parquet');
    await store.write(labels, 'held-out labels');
    await store.write(joinKey(spec.tasks[0]!.inputPrefix, 'nested/extra.txt'), 'extra');
    loop.batch.resetCalls();
    const outcome = await loop.backend({ poolId: 'faults', keepJob: true, sasLifetimeSeconds: 900 }).run(spec);
    delete process.env.AWS_SECRET_ACCESS_KEY;
    expect(outcome.tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded']);
    expect(loop.batch.requestsContaining(AZURITE_KEY)).toEqual([]);
    expect(loop.batch.requestsContaining(secret)).toEqual([]);

    const task = loop.batch.store.job(jobIdFor(spec.runId))!.tasks.get('1')!.spec;
    const inputs = task.resourceFiles as Array<{ httpUrl?: string; storageContainerUrl?: string; filePath: string }>;
    // One URL per input blob (listed at submission), none a container URL.
    expect(inputs.map((file) => file.filePath).sort()).toEqual(['in/nested/extra.txt', 'in/x.txt']);
    expect(inputs.every((file) => file.httpUrl && !file.storageContainerUrl)).toBe(true);
    expect(task.containerSettings).toEqual({
      imageName: CONTRACT_IMAGE,
      workingDirectory: 'containerImageDefault',
      containerHostBatchBindMounts: [{ source: 'Task', isReadOnly: false }],
    });
    const output = task.outputFiles![0]!.destination!.container as { containerUrl: string };
    const x = inputs.find((file) => file.filePath === 'in/x.txt')!.httpUrl!;
    const expiry = (url: string) => Date.parse(new URL(url).searchParams.get('se')!);
    for (const url of [x, output.containerUrl]) {
      expect(expiry(url) - Date.now()).toBeGreaterThan(0);
      expect(expiry(url) - Date.now()).toBeLessThanOrEqual(900_000);
    }
    const v = { 'x-ms-version': '2021-12-02' };
    const get = (url: string) => fetch(url, { headers: v }).then((r) => r.status);
    const put = (url: string) =>
      fetch(url, { method: 'PUT', headers: { ...v, 'x-ms-blob-type': 'BlockBlob' }, body: 'x' }).then((r) => r.status);
    // The same token on other paths of the container.
    const root = store.uri.split(`/${loop.container}/`)[1]!;
    const onPath = (url: string, path: string) => {
      const u = new URL(url);
      return `${u.origin}${u.pathname.split('/').slice(0, 3).join('/')}${path}${u.search}`;
    };
    const otherBlob = (url: string, key: string) => onPath(url, `/${root}/${key}`);
    const list = (url: string) => `${onPath(url, '')}&restype=container&comp=list`;
    // The input URL reads its own blob, and nothing else: not the labels, not another cell's inputs, no listing.
    expect(await get(x)).toBe(200);
    expect(await get(otherBlob(x, joinKey(spec.tasks[0]!.inputPrefix, 'x.txt')))).toBe(200);
    expect(await get(otherBlob(x, labels))).toBe(403);
    expect(await get(otherBlob(x, joinKey(spec.tasks[1]!.inputPrefix, 'x.txt')))).toBe(403);
    expect(await get(list(x))).toBe(403);
    // It cannot write, even its own blob.
    expect(await put(x)).toBe(403);
    expect(await readText(store, joinKey(spec.tasks[0]!.inputPrefix, 'x.txt'))).toBe('10');
    // The output URL can create blobs, but not read or list them.
    const blob = (containerUrl: string, name: string) => containerUrl.replace('?', `/${name}?`);
    expect(await get(blob(output.containerUrl, `${root}/${labels}`))).toBe(403);
    expect(await get(blob(output.containerUrl, `${root}/${joinKey(spec.tasks[0]!.outputPrefix, 'y.txt')}`))).toBe(403);
    expect(await get(list(output.containerUrl))).toBe(403);
    expect(await put(blob(output.containerUrl, 'probe/written.txt'))).toBe(201);
  });

  it('runs on an auto-pool that goes away with its job', async () => {
    const { spec, store } = await staged([{ id: 'a' }, { id: 'b' }]);
    const before = new Set(loop.batch.store.pools.keys());
    const outcome = await loop.backend({ autoPool: true }).run(spec);
    expect(outcome.tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded']);
    expect((await summary(store, spec.aggregate!.outputPrefix)).ys).toEqual({ a: '11', b: '21' });
    expect(loop.batch.requests.some((r) => r.body.includes('autoPoolSpecification'))).toBe(true);
    expect(await until(() => [...loop.batch.store.pools.keys()].every((id) => before.has(id)))).toBe(true);
  });

  it('starts nodes at once and returns the pool to zero when the service allows enableautoscale only every 30 s', async () => {
    const strict = await startBatchService({
      images: { [CONTRACT_IMAGE]: { cwd: '/tmp' } },
      clock: () => TEST_NOW,
      autoScaleIntervalMs: 60_000,
      nodeStartMs: 20,
      tickMs: 10,
    });
    try {
      const backend = azureBatchBackend({
        accountUrl: strict.url,
        accountName: strict.accountName,
        accountKey: strict.accountKey,
        poolId: 'strict',
        now: () => TEST_NOW,
        pollIntervalMs: 60,
        openStore: loop.openStore,
      });
      for (const round of [1, 2]) {
        const { spec } = await staged([{ id: `r${round}` }]);
        const started = Date.now();
        const outcome = await backend.run(spec);
        expect(outcome.tasks[0]?.status).toBe('succeeded');
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(await until(() => strict.poolNodes('strict')?.dedicated === 0 && strict.poolNodes('strict')?.targetDedicated === 0)).toBe(
          true,
        );
      }
      expect(strict.calls.Pool_Resize).toBeGreaterThan(0);
    } finally {
      await strict.stop();
    }
  });
});
