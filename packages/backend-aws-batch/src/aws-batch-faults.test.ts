// The aws-batch backend against the loopback AWS Batch service and the S3 emulator: fan-in after
// failures, platform failures, throttling, re-attach after the runner is gone, cancel, and what the
// presigned URLs a task gets can do.
import { createHash, createHmac } from 'node:crypto';
import { BatchClient, CreateComputeEnvironmentCommand, CreateJobQueueCommand } from '@aws-sdk/client-batch';
import type { TaskEvent } from '@mxn/core';
import { joinKey, listAll, readText } from '@mxn/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from './run-on-aws-batch.js';
import { startLoopback, type Loopback } from '../test-support/loopback.js';
import { readSummary, stagedSpec, testSpec } from '../test-support/specs.js';

const MISSING_IMAGE = 'mxn.local/missing:1';

let loop: Loopback;
beforeAll(async () => {
  loop = await startLoopback({
    images: { 'mxn.local/contract:1': { cwd: process.cwd() }, [MISSING_IMAGE]: { pullFailure: 'manifest unknown' } },
  });
}, 60_000);
afterAll(async () => {
  await loop?.stop();
});

const staged = (cells: Parameters<typeof stagedSpec>[1], extra: Parameters<typeof stagedSpec>[2] = {}) => stagedSpec(loop, cells, extra);

describe('aws-batch backend against the loopback service', { timeout: 60_000 }, () => {
  it('reports a cell that fails every attempt failed, with its stderr tail, and still runs the aggregate', async () => {
    const { spec, store } = await staged([{ id: 'good' }, { id: 'bad', env: { FAIL_CODE: '4' } }, { id: 'fine' }], {
      limits: { concurrency: 4, retries: 2, retryModelFailures: true, timeoutMs: 60_000 },
    });
    const events: TaskEvent[] = [];
    const outcome = await loop.backend().run(spec, { onEvent: (e) => events.push(e) });
    const bad = outcome.tasks.find((t) => t.taskId === 'bad')!;
    expect(bad).toMatchObject({ status: 'failed', attempts: 3, exitCode: 4 });
    expect(bad.error).toMatch(/^exit code 4\n/);
    expect(bad.error).toContain('oops 30');
    expect(events.filter((e) => e.taskId === 'bad' && e.state === 'retrying').map((e) => e.message)).toEqual([
      'exit code 4',
      'exit code 4',
    ]);
    expect(outcome.aggregate?.status).toBe('succeeded');
    expect(await readSummary(store, spec.aggregate!.outputPrefix)).toEqual({
      statuses: { bad: 'failed', fine: 'succeeded', good: 'succeeded' },
      ys: { good: '11', fine: '31' },
    });
    // The three cells were one array job; Batch saw every child succeed (the wrapper exits 0), so the aggregate ran.
    const parents = [...loop.batch.store.jobs.values()].filter((job) => job.jobName.includes(spec.runId) && job.parentId === undefined);
    expect(parents.map((job) => [job.arraySize ?? 1, job.status])).toEqual([
      [3, 'SUCCEEDED'],
      [1, 'SUCCEEDED'],
    ]);
  });

  it('fails a cell whose image cannot be pulled as a platform failure, and still runs the aggregate', async () => {
    const { spec, store } = await staged([{ id: 'ok' }, { id: 'nopull', image: MISSING_IMAGE }], {
      limits: { concurrency: 4, retries: 0, timeoutMs: 60_000 },
    });
    const outcome = await loop.backend().run(spec);
    const nopull = outcome.tasks.find((t) => t.taskId === 'nopull')!;
    expect(nopull).toMatchObject({ status: 'failed', infrastructure: true });
    expect(nopull.error).toMatch(/CannotPullContainerError: manifest unknown/);
    // Batch failed the aggregate for its failed dependency; mxn submitted it again without one.
    expect(outcome.aggregate?.status).toBe('succeeded');
    expect((await readSummary(store, spec.aggregate!.outputPrefix)).statuses).toEqual({ nopull: 'failed', ok: 'succeeded' });
  });

  // Adaptive retry slows calls by the clock: under load this takes half a minute.
  it('rides out a storm of throttling errors (TooManyRequestsException) and 500/502/503/504 server errors', {
    timeout: 120_000,
  }, async () => {
    const { spec, store } = await staged([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const throttled = loop.batch.inject({ status: 429, operation: 'SubmitJob', times: 4 });
    const busy = loop.batch.inject({ status: 429, rate: 0.3 });
    const broken = loop.batch.inject({ status: 500, operation: 'DescribeJobs', times: 2 });
    const transient = [502, 503, 504].map((status) =>
      loop.batch.inject({ status, code: 'ServerException', operation: /^(Submit|Describe)Job/ }),
    );
    const outcome = await loop.backend().run(spec);
    busy.remove();
    expect(throttled.hits).toBe(4);
    expect(busy.hits).toBeGreaterThan(0);
    expect(broken.hits).toBe(2);
    expect(transient.map((injection) => injection.hits)).toEqual([1, 1, 1]);
    expect(outcome.tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect((await readSummary(store, spec.aggregate!.outputPrefix)).ys).toEqual({ a: '11', b: '21', c: '31' });
    // Nothing was submitted twice: one array job and the aggregate.
    expect(
      [...loop.batch.store.jobs.values()].filter((job) => job.jobName.includes(spec.runId) && job.parentId === undefined),
    ).toHaveLength(2);
  });

  it('fails fast on a 501 (a server error the SDK does not retry), saying so in one line', async () => {
    const { spec } = await staged([{ id: 'a' }, { id: 'b' }]);
    const calls = loop.batch.calls.DescribeJobQueues ?? 0;
    const submits = loop.batch.calls.SubmitJob ?? 0;
    const unimplemented = loop.batch.inject({ status: 501, operation: 'DescribeJobQueues', message: 'Not Implemented' });
    await expect(loop.backend().run(spec)).rejects.toThrow(
      /^backend: aws-batch: ServerException \(HTTP 501, not retried\): Not Implemented$/,
    );
    expect(unimplemented.hits).toBe(1);
    expect((loop.batch.calls.DescribeJobQueues ?? 0) - calls).toBe(1);
    expect(loop.batch.calls.SubmitJob ?? 0).toBe(submits);
  });

  it('re-attaches after the runner is gone: the next run submits nothing and collects every cell', async () => {
    const { spec, store } = await staged([
      { id: 'a', env: { SLEEP_MS: '600' } },
      { id: 'b', env: { SLEEP_MS: '600' } },
    ]);
    const controller = new AbortController();
    let first: RunReport | undefined;
    const gone = await loop.backend({ detachOnAbort: true, onReport: (r) => (first = r) }).run(spec, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.state === 'running') controller.abort();
      },
    });
    expect(gone.cancelled).toBe(true);
    expect(first?.submitted).toBe(2);
    const submits = loop.batch.calls.SubmitJob;
    let second: RunReport | undefined;
    const outcome = await loop.backend({ onReport: (r) => (second = r) }).run(spec);
    expect(second?.submitted).toBe(0);
    expect(loop.batch.calls.SubmitJob).toBe(submits);
    expect(outcome.tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded']);
    expect((await readSummary(store, spec.aggregate!.outputPrefix)).ys).toEqual({ a: '11', b: '21' });
    // The run is finished: the same plan again is a new generation, submitted anew (as --rerun all would).
    let third: RunReport | undefined;
    await loop.backend({ onReport: (r) => (third = r) }).run(spec);
    expect(third?.submitted).toBe(2);
  });

  it('re-attaches each remaining cell to its own child when the next run has fewer cells (the finished ones were cached)', async () => {
    const { spec, store } = await staged([{ id: 'a' }, { id: 'b', env: { SLEEP_MS: '1500' } }, { id: 'c', env: { SLEEP_MS: '1500' } }]);
    const controller = new AbortController();
    await loop.backend({ detachOnAbort: true }).run(spec, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.taskId === 'a' && e.state === 'succeeded') controller.abort();
      },
    });
    const [a, b, c] = spec.tasks;
    const rest = { ...spec, tasks: [c!, b!], cached: [{ id: a!.id, model: a!.model, dataset: a!.dataset, outputPrefix: a!.outputPrefix }] };
    let report: RunReport | undefined;
    const outcome = await loop.backend({ onReport: (r) => (report = r) }).run(rest);
    expect(report?.submitted).toBe(0);
    expect(outcome.tasks.map((t) => [t.taskId, t.status])).toEqual([
      ['c', 'succeeded'],
      ['b', 'succeeded'],
    ]);
    expect(await readText(store, joinKey(b!.outputPrefix, 'y.txt'))).toBe('21');
    expect(await readText(store, joinKey(c!.outputPrefix, 'y.txt'))).toBe('31');
    expect((await readSummary(store, spec.aggregate!.outputPrefix)).ys).toEqual({ a: '11', b: '21', c: '31' });
  });

  it('cancel(runId) from another process terminates the array job, its children and the aggregate', async () => {
    const { spec } = await staged([
      { id: 'a', env: { SLEEP_MS: '30000' } },
      { id: 'b', env: { SLEEP_MS: '30000' } },
    ]);
    const controller = new AbortController();
    await loop.backend({ detachOnAbort: true }).run(spec, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.state === 'running') controller.abort();
      },
    });
    await loop.backend().cancel!(spec.runId);
    const ours = () => [...loop.batch.store.jobs.values()].filter((job) => job.jobName.includes(spec.runId));
    const deadline = Date.now() + 10_000;
    while (ours().some((job) => job.status !== 'FAILED') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(ours().map((job) => job.status)).toEqual(ours().map(() => 'FAILED'));
    expect(ours().length).toBe(4);
  });

  it('re-attaches to the rescued aggregate: a run killed after the rescue submits no second one', async () => {
    const { spec, store } = await staged([{ id: 'ok' }, { id: 'nopull', image: MISSING_IMAGE }], {
      limits: { concurrency: 4, retries: 0, timeoutMs: 60_000 },
    });
    const rescues = () => [...loop.batch.store.jobs.values()].filter((job) => job.jobName.endsWith(`${spec.runId}-g1-aggregate-r`));
    const controller = new AbortController();
    // The runner goes away as soon as it has submitted the rescue job (it polls every 500 ms: it is asleep then).
    const watch = setInterval(() => {
      if (rescues().length > 0) controller.abort();
    }, 5);
    const gone = await loop.backend({ detachOnAbort: true, pollIntervalMs: 500 }).run(spec, { signal: controller.signal });
    clearInterval(watch);
    expect(gone.cancelled).toBe(true);
    expect(rescues()).toHaveLength(1);
    const submits = loop.batch.calls.SubmitJob;
    let report: RunReport | undefined;
    const outcome = await loop.backend({ onReport: (r) => (report = r) }).run(spec);
    expect(report?.submitted).toBe(0);
    expect(loop.batch.calls.SubmitJob).toBe(submits);
    expect(rescues()).toHaveLength(1);
    expect(outcome.tasks.map((t) => [t.taskId, t.status])).toEqual([
      ['ok', 'succeeded'],
      ['nopull', 'failed'],
    ]);
    expect(outcome.aggregate?.status).toBe('succeeded');
    expect((await readSummary(store, spec.aggregate!.outputPrefix)).statuses).toEqual({ nopull: 'failed', ok: 'succeeded' });
  });

  it('cancel(runId) with managed settings only looks things up: it creates and resizes nothing', async () => {
    const mutations = () =>
      ['CreateComputeEnvironment', 'UpdateComputeEnvironment', 'CreateJobQueue', 'UpdateJobQueue'].map((op) => loop.batch.calls[op] ?? 0);
    const before = mutations();
    // Never created: nothing to cancel, and nothing is created.
    await loop.backend({ managed: { name: 'never-made', type: 'EC2', subnets: ['subnet-loopback'] } }).cancel!('t-none');
    expect(loop.batch.store.computeEnvironments.has('never-made')).toBe(false);
    // One mxn made for 16 vCPUs: cancel (whose concurrency would size it at 1) leaves it as it is.
    const client = new BatchClient({
      endpoint: loop.batch.url,
      region: loop.batch.region,
      credentials: { accessKeyId: loop.s3.accessKeyId, secretAccessKey: loop.s3.secretAccessKey },
    });
    await client.send(
      new CreateComputeEnvironmentCommand({
        computeEnvironmentName: 'made-before',
        type: 'MANAGED',
        computeResources: { type: 'EC2', minvCpus: 0, maxvCpus: 16, subnets: ['subnet-loopback'], instanceRole: 'ecsInstanceRole' },
        tags: { 'mxn:managed': 'true' },
      }),
    );
    await client.send(
      new CreateJobQueueCommand({
        jobQueueName: 'made-before-queue',
        priority: 1,
        computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'made-before' }],
      }),
    );
    const made = mutations();
    expect(made).not.toEqual(before);
    await loop.backend({ managed: { name: 'made-before', type: 'EC2', subnets: ['subnet-loopback'] } }).cancel!('t-none');
    expect(mutations()).toEqual(made);
    expect(loop.batch.store.computeEnvironments.get('made-before')?.computeResources).toMatchObject({ maxvCpus: 16 });
  });

  it('gives each task presigned URLs: inputs read-only, its bundle write-only; no URL reaches the labels', async () => {
    const { uri, store } = await loop.staging();
    const spec = testSpec(uri, [{ id: 'a' }, { id: 'b' }]);
    for (const task of spec.tasks) await store.write(joinKey(task.inputPrefix, 'x.txt'), '1');
    await store.write('labels/secret-split', 'held-out labels');
    await loop.backend().run(spec);
    const records = (await listAll(store, `runs/${spec.runId}/aws-batch/`)).filter((info) => info.key.endsWith('.records'));
    const text = (await Promise.all(records.map((info) => readText(store, info.key)))).join('\n');
    const urls = [...text.matchAll(/https?:\/\/[^\s']+/g)].map((m) => new URL(m[0]));
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.some((url) => url.pathname.includes('labels'))).toBe(false);
    // S3 checks a presigned URL by signing the request it receives again: the method is part of what is signed.
    const signedFor = (url: URL, method: 'GET' | 'PUT') => presignedSignatureMatches(url, method, loop.s3.secretAccessKey);
    const inputs = urls.filter((url) => url.pathname.endsWith('/x.txt'));
    const bundles = urls.filter((url) => url.pathname.endsWith('.bundle') && url.pathname.includes('/a/output'));
    expect(inputs).toHaveLength(2);
    expect(bundles.length).toBeGreaterThan(0);
    for (const url of inputs) {
      expect(signedFor(url, 'GET')).toBe(true);
      expect(signedFor(url, 'PUT')).toBe(false);
    }
    for (const url of bundles) {
      expect(signedFor(url, 'PUT')).toBe(true);
      expect(signedFor(url, 'GET')).toBe(false);
    }
    loop.batch.assertNoSecrets();
  });
});

/** SigV4 of a presigned (query-signed) S3 URL, recomputed for `method` as S3 does, compared with the URL's signature. */
function presignedSignatureMatches(url: URL, method: string, secret: string): boolean {
  const encode = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const params = [...url.searchParams.entries()].filter(([key]) => key !== 'X-Amz-Signature');
  const query = params
    .map(([key, value]) => [encode(key), encode(value)])
    .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const signedHeaders = url.searchParams.get('X-Amz-SignedHeaders')!;
  const canonical = [method, url.pathname, query, `host:${url.host}\n`, signedHeaders, 'UNSIGNED-PAYLOAD'].join('\n');
  const date = url.searchParams.get('X-Amz-Date')!;
  const scope = url.searchParams.get('X-Amz-Credential')!.split('/').slice(1).join('/');
  const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const [day, region, service] = scope.split('/');
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(day!).digest();
  for (const part of [region!, service!, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(toSign).digest('hex') === url.searchParams.get('X-Amz-Signature');
}
