import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError, type TaskEvent } from '@mxn/core';
import { joinKey } from '@mxn/storage';
import { azureBatchBackend } from './azure-batch-backend.js';
import { BATCH_API_VERSION, batchErrorText, createBatchClient } from './client.js';
import { MANAGED_TAG } from './pool.js';
import { startLoopback, TEST_NOW, type Loopback } from '../test-support/loopback.js';
import { testSpec } from '../test-support/specs.js';

// The loopback service's default list of supported images: Ubuntu 20.04 ones past their end of life,
// 22.04 ones ending 2027-06-30, microsoft-dsvm/ubuntu-hpc/2404 (DockerCompatible, 2029-06-30), images
// without container support, an unverified one, Windows ones. The service and the backend both run at
// TEST_NOW (test-support/loopback.ts), so these dates mean the same whenever the tests run.
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
  for (const task of spec.tasks) await store.write(joinKey(task.inputPrefix, 'x.txt'), '1');
  return spec;
}
const poolAdds = (poolId: string) =>
  loop.batch.requests
    .filter((r) => r.method === 'POST' && new URL(r.url, loop.batch.url).pathname === '/pools')
    .map((r) => JSON.parse(r.body) as { id: string; virtualMachineConfiguration: Record<string, unknown> })
    .filter((body) => body.id === poolId);
const listCalls = () => loop.batch.requests.filter((r) => new URL(r.url, loop.batch.url).pathname === '/supportedimages');

describe('the node image of a pool mxn creates', { timeout: 30_000 }, () => {
  it('is the verified Linux DockerCompatible image supported longest, chosen by one List Supported Images call and described', async () => {
    loop.batch.resetCalls();
    const backend = loop.backend({ poolId: 'img-auto' });
    expect(await backend.describe?.()).toEqual([
      'pool img-auto: microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04), supported until 2029-06-30; vmSize standard_d2s_v3',
    ]);
    const outcome = await backend.run(await staged([{ id: 'a' }]));
    expect(outcome.tasks[0]?.status).toBe('succeeded');
    expect(poolAdds('img-auto').map((body) => body.virtualMachineConfiguration)).toEqual([
      {
        imageReference: { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc', sku: '2404', version: 'latest' },
        nodeAgentSKUId: 'batch.node.ubuntu 24.04',
        containerConfiguration: { type: 'dockerCompatible', containerImageNames: ['mxn.local/contract:1'] },
      },
    ]);
    expect(listCalls()).toHaveLength(1);
    expect(new URL(listCalls()[0]!.url, loop.batch.url).searchParams.get('$filter')).toBe("osType eq 'linux'");
    // Every request of the run carried the 2025-06-01 api-version (the service refuses any other).
    expect(loop.batch.requests.length).toBeGreaterThan(5);
    expect(loop.batch.requests.filter((r) => new URL(r.url, loop.batch.url).searchParams.get('api-version') !== BATCH_API_VERSION)).toEqual(
      [],
    );
    // Once the pool exists, it is described as it is.
    expect(await loop.backend({ poolId: 'img-auto', vmSize: 'Standard_D2_v2' }).describe?.()).toEqual([
      'pool img-auto (exists; used as it is): microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04); vmSize standard_d2s_v3',
    ]);
  });

  it('falls back to microsoft-dsvm/ubuntu-hpc/2404 with a note when listing the images is not allowed', async () => {
    const refusal = loop.batch.inject({ status: 403, code: 'AuthorizationFailure', operation: 'Account_ListSupportedImages', times: 5 });
    const backend = loop.backend({ poolId: 'img-refused', spot: true, vmSize: 'Standard_DS1_v2' });
    expect(await backend.describe?.()).toEqual([
      'pool img-refused: microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04), ' +
        'end of support unknown; vmSize Standard_DS1_v2, Spot nodes',
      "note: could not list the Batch account's supported images (403 AuthorizationFailure); " +
        'using microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04)',
      'warning: vmSize Standard_DS1_v2 is in the Dsv2 family, ' +
        'which Azure is retiring for Batch: choose a current size (e.g. standard_d2s_v5)',
    ]);
    expect(refusal.hits).toBe(1);
    refusal.remove();
    const outcome = await backend.run(await staged([{ id: 'a' }], { aggregate: undefined }));
    expect(outcome.tasks[0]?.status).toBe('succeeded');
    expect(poolAdds('img-refused')[0]?.virtualMachineConfiguration).toMatchObject({
      imageReference: { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc', sku: '2404' },
      nodeAgentSKUId: 'batch.node.ubuntu 24.04',
    });
  });

  it('warns about a named image past its end of support, and the refusal to create its pool is one clear line', async () => {
    const backend = loop.backend({ poolId: 'img-retired', image: 'microsoft-azure-batch/ubuntu-server-container/20-04-lts' });
    expect(await backend.describe?.()).toEqual([
      'pool img-retired: microsoft-azure-batch/ubuntu-server-container/20-04-lts (batch.node.ubuntu 20.04), ' +
        'support ended 2025-04-23; vmSize standard_d2s_v3',
      'warning: node image microsoft-azure-batch/ubuntu-server-container/20-04-lts (batch.node.ubuntu 20.04) ' +
        'reached the end of its Batch support on 2025-04-23: Batch no longer creates pools with it and may not add nodes',
    ]);
    const error = await backend.run(await staged([{ id: 'a' }])).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      'backend: azure-batch: creating pool img-retired failed: 400 InvalidPropertyValue ' +
        'The value provided for one of the properties in the request body is invalid. ' +
        "(virtualMachineConfiguration.nodeAgentSKUId: The node agent SKU 'batch.node.ubuntu 20.04' " +
        'reached its Batch support end of life on 2025-04-23; pools can no longer be created with it.)',
    );
    expect(loop.batch.store.pool('img-retired')).toBeUndefined();
  });
});

describe('a cell whose image cannot be pulled', { timeout: 30_000 }, () => {
  it("fails as an infrastructure failure with Batch's message, and the aggregate still runs", async () => {
    const spec = await staged([{ id: 'ok' }, { id: 'pull' }]);
    spec.tasks[1]!.image = 'mxn.local/missing:1';
    const events: TaskEvent[] = [];
    const outcome = await loop.backend({ poolId: 'img-pull' }).run(spec, { onEvent: (event) => events.push(event) });
    const [ok, pull] = outcome.tasks;
    expect(ok).toMatchObject({ status: 'succeeded' });
    expect(ok?.infrastructure).toBeUndefined();
    expect(pull).toMatchObject({ status: 'failed', infrastructure: true, attempts: 1 });
    expect(pull?.error?.split('\n')[0]).toMatch(
      /^ContainerInvalidImage: One or more container images specified are invalid \(ContainerImage: mxn\.local\/missing:1; .+\)$/,
    );
    expect(events.find((event) => event.taskId === 'pull' && event.state === 'failed')).toMatchObject({ infrastructure: true });
    expect(outcome.aggregate?.status).toBe('succeeded');
  });
});

/** A proxy in front of the loopback service that rewrites every request's api-version (what a regression would send). */
async function versionProxy(target: string, version: string): Promise<{ url: string; server: Server }> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').replace(/api-version=[^&]*/, `api-version=${version}`);
    const forward = request({ host: upstream.hostname, port: upstream.port, path, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the API version', () => {
  it('is 2025-06-01 on every call; an older one is refused, and the refusal reads as one line', async () => {
    const client = await createBatchClient({
      accountUrl: loop.batch.url,
      accountName: loop.batch.accountName,
      accountKey: loop.batch.accountKey,
    });
    expect(client.apiVersion).toBe('2025-06-01');
    client.apiVersion = '2022-10-01.16.0';
    const error = await client.job.getTaskCounts('any').catch((caught: unknown) => caught);
    expect(batchErrorText(error)).toMatch(
      /^400 InvalidQueryParameterValue [^\n]+ \(api-version=2022-10-01\.16\.0: [^\n]*2025-06-01[^\n]*\)$/,
    );
  });

  it('refused by the account reaches a run as one line naming the parameter and its value, and describe() says why', async () => {
    const proxy = await versionProxy(loop.batch.url, '2022-10-01.16.0');
    try {
      const backend = loop.backend({ accountUrl: proxy.url, poolId: 'apiv' });
      const lines = (await backend.describe?.()) ?? [];
      expect(lines[0]).toBe(
        'pool apiv: microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04), end of support unknown; vmSize standard_d2s_v3',
      );
      const refusal =
        '400 InvalidQueryParameterValue Value for one of the query parameters specified in the request URI is invalid. ' +
        '(api-version=2022-10-01.16.0: The loopback Batch service supports api-version 2025-06-01 only.)';
      expect(lines.slice(1)).toEqual([
        `note: pool apiv could not be read (${refusal}): if it exists, the run uses it as it is`,
        `note: could not list the Batch account's supported images (${refusal}); ` +
          'using microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04)',
      ]);
      const error = await backend.run(await staged([{ id: 'a' }])).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toBe(`backend: azure-batch: creating pool apiv failed: ${refusal}`);
      expect((error as Error).message.split('\n')).toHaveLength(1);
    } finally {
      proxy.server.close();
    }
  });
});

describe('what describe() reads, on an account that does not answer', { timeout: 20_000 }, () => {
  it('takes at most about 5 s, and says what went wrong: the refused connection, or that nothing answered', async () => {
    // A port nothing listens on (refused at once), and a server that accepts but never answers.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const backendAt = (accountUrl: string) =>
      azureBatchBackend({ accountUrl, accountName: 'acct', accountKey: loop.batch.accountKey, now: () => TEST_NOW });
    try {
      const started = Date.now();
      const [refused, unanswered] = await Promise.all([backendAt(closedUrl).describe?.(), backendAt(silentUrl).describe?.()]);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(refused?.[0]).toBe(
        'pool mxn: microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04), end of support unknown; vmSize standard_d2s_v3',
      );
      expect(refused?.slice(1)).toEqual([
        expect.stringMatching(/^note: pool mxn could not be read \(connect ECONNREFUSED 127\.0\.0\.1:\d+\): if it exists, /),
        expect.stringMatching(
          /^note: could not list the Batch account's supported images \(connect ECONNREFUSED 127\.0\.0\.1:\d+\); using /,
        ),
      ]);
      expect(unanswered?.slice(1)).toEqual([
        'note: pool mxn could not be read (no answer within 5 s): if it exists, the run uses it as it is',
        "note: could not list the Batch account's supported images (no answer within 5 s); " +
          'using microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04)',
      ]);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe('an existing pool on a node image past its end of support', { timeout: 60_000 }, () => {
  // Pools an earlier mxn (or someone else) made on the old default image while it was supported: the
  // service adds them without its image check, their nodes ready at once, and will not grow them.
  const retiredImage = {
    imageReference: { publisher: 'microsoft-azure-batch', offer: 'ubuntu-server-container', sku: '20-04-lts', version: 'latest' },
    nodeAgentSKUId: 'batch.node.ubuntu 20.04',
    containerConfiguration: { type: 'dockerCompatible', containerImageNames: [] },
  };
  const makeRetiredPool = (id: string, options: { managed: boolean; nodes: number }) =>
    loop.batch.addPool({
      id,
      vmSize: 'standard_d2s_v3',
      virtualMachineConfiguration: retiredImage,
      targetDedicatedNodes: options.nodes,
      ...(options.managed ? { metadata: [{ name: MANAGED_TAG, value: 'true' }] } : {}),
    });
  const stagedOn = (cells: Array<{ id: string }>) => staged(cells, { aggregate: undefined });

  it('is deleted and made again with the chosen image when mxn created it and it has no nodes, saying so in one line', async () => {
    makeRetiredPool('old-idle', { managed: true, nodes: 0 });
    const logged: string[] = [];
    const backend = loop.backend({ poolId: 'old-idle', log: (line) => logged.push(line) });
    expect(await backend.describe?.()).toEqual([
      'pool old-idle (exists): microsoft-azure-batch/ubuntu-server-container/20-04-lts (batch.node.ubuntu 20.04); vmSize standard_d2s_v3',
      'warning: pool old-idle runs microsoft-azure-batch/ubuntu-server-container/20-04-lts (batch.node.ubuntu 20.04), ' +
        'past its Batch support end of life on 2025-04-23: mxn created it and it has no nodes, ' +
        'so the run deletes it and creates it again with microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04)',
    ]);
    const outcome = await backend.run(await stagedOn([{ id: 'a' }]));
    expect(outcome.tasks.map((task) => task.status)).toEqual(['succeeded']);
    expect(logged).toEqual([
      'azure-batch: pool old-idle runs microsoft-azure-batch/ubuntu-server-container/20-04-lts (batch.node.ubuntu 20.04), ' +
        'past its Batch support end of life on 2025-04-23: deleting it (mxn created it; it has no nodes) ' +
        'and creating it again with microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04)',
    ]);
    expect(loop.batch.store.pool('old-idle')?.spec.virtualMachineConfiguration).toMatchObject({
      imageReference: { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc', sku: '2404' },
      nodeAgentSKUId: 'batch.node.ubuntu 24.04',
    });
  });

  it('fails the run before anything is submitted, with one line and a hint, when mxn did not create it or it has nodes', async () => {
    makeRetiredPool('old-theirs', { managed: false, nodes: 0 });
    makeRetiredPool('old-busy', { managed: true, nodes: 1 });
    for (const [poolId, why] of [
      ['old-theirs', 'mxn did not create it, so it does not delete it'],
      ['old-busy', 'it has 1 node, so mxn does not delete it'],
    ] as const) {
      loop.batch.resetCalls();
      const backend = loop.backend({ poolId });
      expect((await backend.describe?.())?.[1]).toBe(
        `warning: pool ${poolId} runs microsoft-azure-batch/ubuntu-server-container/20-04-lts (batch.node.ubuntu 20.04), ` +
          'past its Batch support end of life on 2025-04-23: the run fails; ' +
          'delete the pool (mxn recreates it) or name another compute.pool',
      );
      const error = await backend.run(await stagedOn([{ id: 'a' }])).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BackendError);
      expect(error).toMatchObject({ code: 'Config', exitClass: 'input', hint: `Batch adds no nodes to such a pool; ${why}` });
      expect((error as Error).message).toBe(
        `backend: azure-batch: pool ${poolId} runs microsoft-azure-batch/ubuntu-server-container/20-04-lts (batch.node.ubuntu 20.04), ` +
          'past its Batch support end of life on 2025-04-23: delete the pool (mxn recreates it) or name another compute.pool',
      );
      expect(loop.batch.calls.Job_Add ?? 0).toBe(0);
      expect(loop.batch.store.pool(poolId)).toBeDefined();
    }
  });

  it("fails the run with the pool's resize error when it cannot grow, instead of waiting for nodes", async () => {
    makeRetiredPool('old-unchecked', { managed: true, nodes: 0 });
    // Without the list mxn cannot tell the image has ended: it uses the pool, which Batch will not grow.
    const refusal = loop.batch.inject({ status: 403, code: 'AuthorizationFailure', operation: 'Account_ListSupportedImages', times: 5 });
    try {
      const started = Date.now();
      const error = await loop
        .backend({ poolId: 'old-unchecked' })
        .run(await stagedOn([{ id: 'a' }]))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toMatch(
        /^backend: azure-batch: pool old-unchecked cannot add nodes: [A-Za-z]+: [^\n]*2025-04-23[^\n]*$/,
      );
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      refusal.remove();
    }
  });
});
