import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskEvent } from '@mxn/core';
import { joinKey } from '@mxn/storage';
import { BATCH_API_VERSION, batchErrorText, createBatchClient } from './client.js';
import { startLoopback, type Loopback } from '../test-support/loopback.js';
import { testSpec } from '../test-support/specs.js';

// The loopback service's default list of supported images: Ubuntu 20.04 ones past their end of life,
// 22.04 ones ending 2027-06-30, microsoft-dsvm/ubuntu-hpc/2404 (DockerCompatible, 2029-06-30), images
// without container support, an unverified one, Windows ones.
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
  it('is the verified Linux DockerCompatible image supported longest, chosen with one List Supported Images call, and described', async () => {
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
      'pool img-refused: microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04), no end of support announced; vmSize Standard_DS1_v2, Spot nodes',
      "note: could not list the Batch account's supported images (403 AuthorizationFailure); using microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04)",
      'warning: vmSize Standard_DS1_v2 is in the Dsv2 family, which Azure is retiring for Batch: choose a current size (e.g. standard_d2s_v5)',
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
      'pool img-retired: microsoft-azure-batch/ubuntu-server-container/20-04-lts (batch.node.ubuntu 20.04), support ended 2025-04-23; vmSize standard_d2s_v3',
      'warning: node image microsoft-azure-batch/ubuntu-server-container/20-04-lts (batch.node.ubuntu 20.04) reached the end of its Batch support on 2025-04-23: Batch no longer creates pools with it and may not add nodes',
    ]);
    const error = await backend.run(await staged([{ id: 'a' }])).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      "backend: azure-batch: creating pool img-retired failed: 400 InvalidPropertyValue The value provided for one of the properties in the request body is invalid. (virtualMachineConfiguration.nodeAgentSKUId: The node agent SKU 'batch.node.ubuntu 20.04' reached its Batch support end of life on 2025-04-23; pools can no longer be created with it.)",
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
    expect(batchErrorText(error)).toMatch(/^400 InvalidQueryParameterValue [^\n]+ \(api-version: [^\n]*2025-06-01[^\n]*\)$/);
  });
});
