import { BatchServiceClient, BatchSharedKeyCredentials } from '@azure/batch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, startBatchService, type BatchService } from './service.js';
import { batchClient, signedFetch } from './test-helpers.js';

let svc: BatchService;
let client: BatchServiceClient;
const vm = {
  imageReference: { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc', sku: '2404', version: 'latest' },
  nodeAgentSKUId: 'batch.node.ubuntu 24.04',
};

beforeAll(async () => {
  svc = await startBatchService({ clock: fixedClock() });
  client = batchClient(svc);
});
afterAll(() => svc?.stop());

/** The JSON body of a service error. */
interface ErrorBody {
  'odata.metadata': string;
  code: string;
  message: { lang: string; value: string };
  values?: { key: string; value: string }[];
}

/** What this file reads of an error the SDK rejects with (a RestError). */
interface SdkError {
  statusCode: number;
  code?: string;
  body?: ErrorBody;
  response?: { bodyAsText?: string; headers?: { get(name: string): string | undefined } };
}

/** The parsed service error of a rejected SDK call. */
async function rejection(p: Promise<unknown>): Promise<{ statusCode: number; code?: string; body: ErrorBody; retryAfter?: string }> {
  try {
    await p;
  } catch (caught) {
    const e = caught as SdkError;
    return {
      statusCode: e.statusCode,
      code: e.code ?? e.body?.code,
      body: e.body ?? JSON.parse(e.response?.bodyAsText ?? 'null'),
      retryAfter: e.response?.headers?.get('retry-after'),
    };
  }
  throw new Error('expected the call to fail');
}

describe('loopback Batch service with the real @azure/batch SDK', () => {
  it('adds and reads a pool, job and tasks', async () => {
    await client.pool.add({
      id: 'sdk-pool',
      vmSize: 'standard_d2s_v3',
      virtualMachineConfiguration: vm,
      taskSlotsPerNode: 2,
      enableAutoScale: true,
      autoScaleFormula: '$TargetDedicatedNodes = 0;',
      autoScaleEvaluationInterval: 'PT5M',
    });
    expect((await client.pool.exists('sdk-pool')).body).toBe(true);
    expect((await client.pool.exists('nope')).body).toBe(false);
    const pool = await client.pool.get('sdk-pool');
    expect(pool).toMatchObject({ id: 'sdk-pool', taskSlotsPerNode: 2, enableAutoScale: true, state: 'active', currentDedicatedNodes: 0 });

    await client.job.add({ id: 'sdk-job', poolInfo: { poolId: 'sdk-pool' }, usesTaskDependencies: true });
    const added = await client.task.addCollection(
      'sdk-job',
      Array.from({ length: 5 }, (_, i) => ({ id: String(i + 1), commandLine: 'true', displayName: `cell-${i}` })),
    );
    expect(added.value?.map((r) => r.status)).toEqual(['success', 'success', 'success', 'success', 'success']);
    const task = await client.task.get('sdk-job', '3');
    expect(task).toMatchObject({ id: '3', displayName: 'cell-2', state: 'active' });
    expect(task.stateTransitionTime).toBeInstanceOf(Date);

    const counts = await client.job.getTaskCounts('sdk-job');
    expect(counts.taskCounts).toEqual({ active: 5, running: 0, completed: 0, succeeded: 0, failed: 0 });

    await client.job.patch('sdk-job', { onAllTasksComplete: 'terminatejob' });
    expect((await client.job.get('sdk-job')).onAllTasksComplete).toBe('terminatejob');
    const off = await rejection(client.job.patch('sdk-job', { onAllTasksComplete: 'noaction' }));
    expect(off).toMatchObject({ statusCode: 400, code: 'InvalidPropertyValue' });
  });

  it('lists tasks with $filter, $select and maxresults paging', async () => {
    await client.job.add({ id: 'list-job', poolInfo: { poolId: 'sdk-pool' } });
    const ids = Array.from({ length: 7 }, (_, i) => `t${i}`);
    await client.task.addCollection(
      'list-job',
      ids.map((id) => ({ id, commandLine: 'true' })),
    );
    const since = new Date(Date.now() - 60_000).toISOString();
    const first = await client.task.list('list-job', {
      taskListOptions: { filter: `state eq 'active' and stateTransitionTime gt datetime'${since}'`, select: 'id,state', maxResults: 3 },
    });
    expect(first.map((t) => t.id)).toEqual(['t0', 't1', 't2']);
    expect(Object.keys(first[0]!).sort()).toEqual(['id', 'state']);
    expect(first.odatanextLink).toBeTruthy();
    const all = [...first];
    let link = first.odatanextLink;
    while (link) {
      const page = await client.task.listNext(link);
      all.push(...page);
      link = page.odatanextLink;
    }
    expect(all.map((t) => t.id)).toEqual(ids);
    expect(Object.keys(all[6]!).sort()).toEqual(['id', 'state']);
    const none = await client.task.list('list-job', { taskListOptions: { filter: `state eq 'completed'` } });
    expect(none).toHaveLength(0);
    const future = await client.task.list('list-job', {
      taskListOptions: { filter: `stateTransitionTime gt datetime'${new Date(Date.now() + 60_000).toISOString()}'` },
    });
    expect(future).toHaveLength(0);
    const bad = await rejection(client.task.list('list-job', { taskListOptions: { filter: 'state eq' } }));
    expect(bad).toMatchObject({ statusCode: 400, code: 'InvalidQueryParameterValue' });
  });

  it('rejects a request signed with the wrong key', async () => {
    const wrong = batchClient(svc, Buffer.from('not the key').toString('base64'));
    const err = await rejection(wrong.pool.get('sdk-pool'));
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe('AuthenticationFailed');
    const wrongPost = await rejection(wrong.job.add({ id: 'never', poolInfo: { poolId: 'sdk-pool' } }));
    expect(wrongPost.code).toBe('AuthenticationFailed');
    expect(svc.store.job('never')).toBeUndefined();
  });

  it('answers with the service error shapes', async () => {
    const missing = await rejection(client.job.get('no-such-job'));
    expect(missing).toMatchObject({ statusCode: 404, code: 'JobNotFound' });
    const res = await fetch(`${svc.url}/jobs/no-such-job?api-version=${svc.apiVersion}`);
    const raw = (await res.json()) as ErrorBody;
    expect(res.status).toBe(403); // unsigned
    expect(raw['odata.metadata']).toContain('$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element');
    expect(raw.message.lang).toBe('en-US');
    expect(raw.message.value).toMatch(/RequestId:[0-9a-f-]+\nTime:/);
    expect(await rejection(client.pool.get('no-such-pool'))).toMatchObject({ statusCode: 404, code: 'PoolNotFound' });
    expect(await rejection(client.job.add({ id: 'SDK-JOB', poolInfo: { poolId: 'sdk-pool' } }))).toMatchObject({
      statusCode: 409,
      code: 'JobExists',
    });
    expect(await rejection(client.job.add({ id: 'bad.id', poolInfo: { poolId: 'sdk-pool' } }))).toMatchObject({
      statusCode: 400,
      code: 'InvalidPropertyValue',
    });
    expect(await rejection(client.job.add({ id: 'x'.repeat(65), poolInfo: { poolId: 'sdk-pool' } }))).toMatchObject({
      statusCode: 400,
      code: 'InvalidPropertyValue',
    });
    expect(
      await rejection(client.pool.add({ id: 'p2', vmSize: 'x', virtualMachineConfiguration: vm, enableAutoScale: false })),
    ).toMatchObject({ code: 'MissingRequiredProperty' });
    // The SDK checks enums itself, so this one is sent by hand.
    const badEnum = await signedFetch(svc, 'POST', '/jobs', {
      id: 'enum-job',
      poolInfo: { poolId: 'sdk-pool' },
      onAllTasksComplete: 'sometimes',
    });
    expect(badEnum.status).toBe(400);
    const badEnumBody = (await badEnum.json()) as ErrorBody;
    expect(badEnumBody.code).toBe('InvalidPropertyValue');
    expect(badEnumBody.values).toContainEqual({ key: 'PropertyName', value: 'onAllTasksComplete' });
    const unknownProp = (await (
      await signedFetch(svc, 'POST', '/jobs', { id: 'typo-job', poolInfo: { poolId: 'sdk-pool' }, onAllTaskComplete: 'terminatejob' })
    ).json()) as ErrorBody;
    expect(unknownProp.code).toBe('InvalidRequestBody');
    expect(await rejection(client.job.getTaskCounts('no-such-job'))).toMatchObject({ statusCode: 404, code: 'JobNotFound' });
  });

  it('speaks api-version 2025-06-01 only: the SDK as shipped (2022-10-01.16.0) and a missing version are refused', async () => {
    expect(svc.apiVersion).toBe('2025-06-01');
    const shipped = new BatchServiceClient(new BatchSharedKeyCredentials(svc.accountName, svc.accountKey), svc.url);
    expect(shipped.apiVersion).toBe('2022-10-01.16.0');
    const old = await rejection(shipped.pool.get('sdk-pool'));
    expect(old).toMatchObject({ statusCode: 400, code: 'InvalidQueryParameterValue' });
    expect(old.body.values).toEqual([
      { key: 'QueryParameterName', value: 'api-version' },
      { key: 'QueryParameterValue', value: '2022-10-01.16.0' },
      { key: 'Reason', value: expect.stringContaining('2025-06-01') },
    ]);
    const oldAdd = await rejection(shipped.job.add({ id: 'old-version-job', poolInfo: { poolId: 'sdk-pool' } }));
    expect(oldAdd.code).toBe('InvalidQueryParameterValue');
    expect(svc.store.job('old-version-job')).toBeUndefined();
    shipped.apiVersion = '2024-07-01.20.0';
    expect((await rejection(shipped.task.list('sdk-job'))).code).toBe('InvalidQueryParameterValue');

    const missing = await signedFetch(svc, 'GET', '/pools/sdk-pool', undefined, null);
    expect(missing.status).toBe(400);
    const missingBody = (await missing.json()) as ErrorBody;
    expect(missingBody.code).toBe('MissingRequiredQueryParameter');
    expect(missingBody.values).toEqual([{ key: 'QueryParameterName', value: 'api-version' }]);
    const unsigned = await fetch(`${svc.url}/pools/sdk-pool`);
    expect(((await unsigned.json()) as ErrorBody).code).toBe('MissingRequiredQueryParameter');
    const byHand = await signedFetch(svc, 'GET', '/pools/sdk-pool', undefined, '2022-10-01.16.0');
    expect(byHand.status).toBe(400);
    expect(((await byHand.json()) as ErrorBody).code).toBe('InvalidQueryParameterValue');
  });

  it('refuses a repeated api-version and query names the operation does not take; takes the SDK timeout spelling', async () => {
    const error = async (res: Response) => ({ status: res.status, ...((await res.json()) as ErrorBody) });
    // The first value is the right one: a service that read only the first would let the second through.
    const twice = await error(await signedFetch(svc, 'GET', '/pools/sdk-pool?api-version=2025-06-01', undefined, '2022-10-01.16.0'));
    expect(twice).toMatchObject({ status: 400, code: 'InvalidQueryParameterValue' });
    expect(twice.values).toEqual([
      { key: 'QueryParameterName', value: 'api-version' },
      { key: 'QueryParameterValue', value: '2025-06-01,2022-10-01.16.0' },
      { key: 'Reason', value: 'api-version is given 2 times.' },
    ]);
    const unknown = await error(await signedFetch(svc, 'GET', '/pools/sdk-pool?force=true'));
    expect(unknown).toMatchObject({ status: 400, code: 'UnsupportedQueryParameter' });
    expect(unknown.message.value).toMatch(/^One of the query parameters specified in the request URI is not supported\./);
    expect(unknown.values?.slice(0, 2)).toEqual([
      { key: 'QueryParameterName', value: 'force' },
      { key: 'QueryParameterValue', value: 'true' },
    ]);
    expect((await error(await signedFetch(svc, 'GET', '/jobs/sdk-job/tasks/cell-1?maxresults=5'))).code).toBe('UnsupportedQueryParameter');
    expect((await error(await signedFetch(svc, 'GET', '/jobs/sdk-job/tasks?$select=id&$select=state'))).code).toBe(
      'InvalidQueryParameterValue',
    );
    // 2025 spells the server timeout timeOut; @azure/batch 10.2.0 sends timeout: both are taken.
    expect((await signedFetch(svc, 'GET', '/pools/sdk-pool?timeOut=10')).status).toBe(200);
    await client.pool.get('sdk-pool', { poolGetOptions: { timeout: 10, select: 'id,state', expand: 'stats' } });
    expect(svc.requests.at(-1)?.url).toMatch(/[?&]timeout=10(&|$)/);
    await client.task.list('sdk-job', { taskListOptions: { timeout: 10, filter: "state eq 'completed'", select: 'id', maxResults: 1 } });
    // force is a 2025 parameter of job delete and terminate.
    expect((await error(await signedFetch(svc, 'DELETE', '/jobs/no-such-job?force=true'))).code).toBe('JobNotFound');
  });

  it('enforces the add-collection limits and task rules', async () => {
    await client.job.add({ id: 'limits', poolInfo: { poolId: 'sdk-pool' } });
    // The SDK refuses 101 tasks itself, so this one is sent by hand (signed the SDK's way).
    const tooMany = await signedFetch(svc, 'POST', '/jobs/limits/addtaskcollection', {
      value: Array.from({ length: 101 }, (_, i) => ({ id: `t${i}`, commandLine: 'true' })),
    });
    expect(tooMany.status).toBe(413);
    expect(((await tooMany.json()) as ErrorBody).code).toBe('RequestBodyTooLarge');
    const big = 'x'.repeat(11_000);
    const tooBig = await rejection(
      client.task.addCollection(
        'limits',
        Array.from({ length: 100 }, (_, i) => ({ id: `b${i}`, commandLine: `echo ${big}` })),
      ),
    );
    expect(tooBig).toMatchObject({ statusCode: 413, code: 'RequestBodyTooLarge' });
    expect(svc.store.job('limits')!.tasks.size).toBe(0);

    const r = await client.task.addCollection('limits', [
      { id: 'a', commandLine: 'true' },
      { id: 'A', commandLine: 'true' },
      { id: 'dep', commandLine: 'true', dependsOn: { taskIds: ['a'] } },
      { id: 'bad/id', commandLine: 'true' },
    ]);
    const byId = Object.fromEntries(r.value!.map((x) => [x.taskId, x]));
    expect(byId.a!.status).toBe('success');
    expect(byId.A).toMatchObject({ status: 'clienterror', error: { code: 'TaskExists' } });
    expect(byId.dep).toMatchObject({ status: 'clienterror', error: { code: 'TaskDependenciesNotSpecifiedOnJob' } });
    expect(byId['bad/id']).toMatchObject({ status: 'clienterror', error: { code: 'InvalidPropertyValue' } });
    const noCmd = (await (
      await signedFetch(svc, 'POST', '/jobs/limits/addtaskcollection', { value: [{ id: 'nocmd' }, { id: 'ok', commandLine: 'true' }] })
    ).json()) as { value: unknown[] };
    expect(noCmd.value[0]).toMatchObject({
      status: 'clienterror',
      taskId: 'nocmd',
      error: { code: 'MissingRequiredProperty', values: [{ key: 'PropertyName', value: 'commandLine' }] },
    });
    expect(noCmd.value[1]).toMatchObject({ status: 'success', taskId: 'ok' });
    const again = await client.task.addCollection('limits', [{ id: 'a', commandLine: 'true' }]);
    expect(again.value![0]).toMatchObject({ status: 'clienterror', error: { code: 'TaskExists', message: { lang: 'en-US' } } });
  });

  it('injects throttling, server errors, per-task server errors and latency', async () => {
    const throttle = svc.inject({ status: 429, retryAfterSeconds: 7, operation: 'Job_GetTaskCounts', times: 2 });
    const e1 = await rejection(client.job.getTaskCounts('sdk-job'));
    expect(e1).toMatchObject({ statusCode: 429, code: 'TooManyRequests', retryAfter: '7' });
    await rejection(client.job.getTaskCounts('sdk-job'));
    expect(throttle.hits).toBe(2);
    await expect(client.job.getTaskCounts('sdk-job')).resolves.toBeTruthy();

    svc.inject({ status: 503, operation: 'Pool_Get' });
    const raw = await fetch(`${svc.url}/pools/sdk-pool?api-version=${svc.apiVersion}`);
    expect(raw.status).toBe(503);
    expect(((await raw.json()) as ErrorBody).code).toBe('ServerBusy');

    svc.inject({ taskServerErrors: 1 });
    const r = await client.task.addCollection('list-job', [
      { id: 'se1', commandLine: 'true' },
      { id: 'se2', commandLine: 'true' },
    ]);
    expect(r.value!.map((x) => x.status)).toEqual(['servererror', 'success']);

    const before = svc.calls.Job_Get ?? 0;
    const slow = svc.inject({ latencyMs: 150, operation: 'Job_Get', times: 1 });
    const t0 = Date.now();
    await client.job.get('sdk-job');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(slow.hits).toBe(1);
    expect(svc.calls.Job_Get).toBe(before + 1);
  });

  it('records every request without the account key; every accepted one carried api-version 2025-06-01', () => {
    expect(svc.requests.length).toBeGreaterThan(10);
    const accepted = svc.requests.filter((r) => (r.status ?? 500) < 300);
    expect(accepted.length).toBeGreaterThan(10);
    for (const r of accepted) expect(new URL(r.url, svc.url).searchParams.get('api-version')).toBe('2025-06-01');
    const first = svc.requests.find((r) => r.operation === 'Pool_Add')!;
    expect(first.method).toBe('POST');
    expect(JSON.parse(first.body).id).toBe('sdk-pool');
    expect(first.headers.authorization).toMatch(/^SharedKey /);
    for (const r of svc.requests) expect(JSON.stringify(r)).not.toContain(svc.accountKey);
    expect(svc.requestsContaining(svc.accountKey)).toEqual([]);
    expect(svc.requestsContaining('cell-2').map((r) => r.operation)).toEqual(['Task_AddCollection']);
  });
});
