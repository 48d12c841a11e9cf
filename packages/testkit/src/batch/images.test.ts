import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, startBatchService, type BatchService } from './service.js';
import { ResponseShapeError, validateResponse } from './spec.js';
import { DEFAULT_SUPPORTED_IMAGES, type SupportedImage } from './supported-images.js';
import { batchClient, signedFetch } from './test-helpers.js';

let svc: BatchService;
let client: BatchServiceClient;

const GONE = 'mxnacr.azurecr.io/gone:1';
const PULL_MESSAGE = 'manifest for mxnacr.azurecr.io/gone:1 not found: manifest unknown';
const ubuntu2404 = {
  imageReference: { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc', sku: '2404', version: 'latest' },
  nodeAgentSKUId: 'batch.node.ubuntu 24.04',
};
const retired = {
  imageReference: { publisher: 'microsoft-azure-batch', offer: 'ubuntu-server-container', sku: '20-04-lts', version: 'latest' },
  nodeAgentSKUId: 'batch.node.ubuntu 20.04',
};
const sleep = (ms: number) => `node -e "setTimeout(() => {}, ${ms})"`;
const hpc2404 = DEFAULT_SUPPORTED_IMAGES.find((i) => i.imageReference.offer === 'ubuntu-hpc' && i.imageReference.sku === '2404')!;
/** A SAS URL as a client's task would carry it (the secret is the `sig`). */
const SAS_URL = 'https://mxnstore.blob.core.windows.net/staging?sv=2022-11-02&sr=c&sp=rcw&sig=SECRETSIGNATURE%3D';
const DENIED = 'mxnacr.azurecr.io/denied:1';

interface ErrorBody {
  code: string;
  message: { value: string };
  values?: { key: string; value: string }[];
}

/** The service error of a rejected SDK call. */
async function rejection(p: Promise<unknown>): Promise<{ statusCode: number; code: string; values: { key: string; value: string }[] }> {
  try {
    await p;
  } catch (caught) {
    const e = caught as { statusCode: number; body?: ErrorBody; response?: { bodyAsText?: string } };
    const body = e.body ?? (JSON.parse(e.response?.bodyAsText ?? 'null') as ErrorBody);
    return { statusCode: e.statusCode, code: body.code, values: body.values ?? [] };
  }
  throw new Error('expected the call to fail');
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const names = (images: BatchServiceModels.ImageInformation[]) =>
  images.map((i) => `${i.imageReference.publisher}/${i.imageReference.offer}/${i.imageReference.sku}`);

beforeAll(async () => {
  svc = await startBatchService({
    images: {
      [GONE]: { pullFailure: PULL_MESSAGE },
      [DENIED]: { pullFailure: 'unauthorized: authentication required', details: [{ name: 'RegistryUrl', value: SAS_URL }] },
    },
    clock: fixedClock(),
  });
  client = batchClient(svc);
});
afterAll(() => svc?.stop());

describe('List Supported Images (GET /supportedimages)', () => {
  it('answers the 2025 shape, with retired, 22.04, container-capable, plain, unverified and Windows images', async () => {
    const all = await client.account.listSupportedImages();
    expect(all).toHaveLength(DEFAULT_SUPPORTED_IMAGES.length);
    const old = all.find((i) => i.imageReference.sku === '20-04-lts' && i.imageReference.offer === 'ubuntu-server-container')!;
    expect(old).toMatchObject({ nodeAgentSKUId: 'batch.node.ubuntu 20.04', osType: 'linux', verificationType: 'verified' });
    expect(old.capabilities).toContain('DockerCompatible');
    expect(old.batchSupportEndOfLife?.toISOString()).toBe('2025-04-23T00:00:00.000Z');
    const hpc = all.find((i) => i.imageReference.offer === 'ubuntu-hpc' && i.imageReference.sku === '2404')!;
    expect(hpc).toMatchObject({ nodeAgentSKUId: 'batch.node.ubuntu 24.04', verificationType: 'verified' });
    expect(hpc.capabilities).toEqual(expect.arrayContaining(['DockerCompatible', 'NvidiaTeslaDriverInstalled']));
    expect(hpc.batchSupportEndOfLife!.getTime()).toBeGreaterThan(Date.parse('2029-01-01'));
    expect(all.filter((i) => i.nodeAgentSKUId === 'batch.node.ubuntu 22.04').map((i) => i.batchSupportEndOfLife?.toISOString())).toEqual(
      expect.arrayContaining(['2027-06-30T00:00:00.000Z']),
    );
    expect(all.some((i) => i.osType === 'linux' && !(i.capabilities ?? []).includes('DockerCompatible'))).toBe(true);
    expect(all.some((i) => i.osType === 'windows')).toBe(true);
    expect(all.some((i) => i.verificationType === 'unverified')).toBe(true);
    const raw = (await (await signedFetch(svc, 'GET', '/supportedimages?maxresults=1')).json()) as { value: SupportedImage[] };
    expect(Object.keys(raw.value[0]!).sort()).toEqual(
      ['batchSupportEndOfLife', 'capabilities', 'imageReference', 'nodeAgentSKUId', 'osType', 'verificationType'].sort(),
    );
  });

  it("filters on osType, verificationType and nodeAgentSKUId with eq/ne, and refuses what the service's filter does not take", async () => {
    const chosen = await client.account.listSupportedImages({
      accountListSupportedImagesOptions: { filter: "verificationType eq 'verified' and osType eq 'linux'" },
    });
    expect(chosen.length).toBeGreaterThan(3);
    expect(chosen.every((i) => i.verificationType === 'verified' && i.osType === 'linux')).toBe(true);
    const noble = await client.account.listSupportedImages({
      accountListSupportedImagesOptions: { filter: "nodeAgentSKUId eq 'batch.node.ubuntu 24.04'" },
    });
    expect(names(noble).sort()).toEqual([
      'canonical/ubuntu-24_04-lts/server',
      'canonical/ubuntu-24_04-lts/server-arm64',
      'canonical/ubuntu-24_04-lts/server-gen1',
      'microsoft-dsvm/ubuntu-hpc/2404',
      'microsoft-dsvm/ubuntu-hpc/undefined',
    ]);
    const notWindows = await client.account.listSupportedImages({
      accountListSupportedImagesOptions: { filter: "osType ne 'windows' or verificationType eq 'unverified'" },
    });
    expect(notWindows.every((i) => i.osType === 'linux')).toBe(true);
    for (const filter of [
      "batchSupportEndOfLife gt datetime'2026-01-01T00:00:00Z'",
      "osType gt 'linux'",
      "capabilities eq 'DockerCompatible'",
    ]) {
      const refused = await rejection(client.account.listSupportedImages({ accountListSupportedImagesOptions: { filter } }));
      expect(refused).toMatchObject({ statusCode: 400, code: 'InvalidQueryParameterValue' });
      expect(refused.values).toContainEqual({ key: 'QueryParameterName', value: '$filter' });
    }
  });

  it('pages with maxresults and odata.nextLink (the SDK follows it at 2025-06-01)', async () => {
    const first = await client.account.listSupportedImages({ accountListSupportedImagesOptions: { maxResults: 5 } });
    expect(first).toHaveLength(5);
    expect(new URL(first.odatanextLink!).searchParams.get('api-version')).toBe('2025-06-01');
    const all = [...first];
    let link = first.odatanextLink;
    while (link) {
      const page = await client.account.listSupportedImagesNext(link);
      all.push(...page);
      link = page.odatanextLink;
    }
    expect(names(all)).toEqual(
      DEFAULT_SUPPORTED_IMAGES.map((i) => `${i.imageReference.publisher}/${i.imageReference.offer}/${i.imageReference.sku}`),
    );
    const bad = await signedFetch(svc, 'GET', '/supportedimages?maxresults=0');
    expect(((await bad.json()) as ErrorBody).code).toBe('InvalidQueryParameterValue');
  });

  it('counts, injects and records the operation under both names', async () => {
    expect(svc.calls.Pools_ListSupportedImages).toBe(svc.calls.Account_ListSupportedImages);
    expect(svc.calls.Pools_ListSupportedImages).toBeGreaterThan(0);
    const busy = svc.inject({ status: 503, operation: 'Pools_ListSupportedImages' });
    // By hand: the SDK would retry a 503.
    expect(((await (await signedFetch(svc, 'GET', '/supportedimages')).json()) as ErrorBody).code).toBe('ServerBusy');
    expect(busy.hits).toBe(1);
    expect(svc.requests.at(-1)).toMatchObject({ operation: 'Account_ListSupportedImages', operationId: 'Pools_ListSupportedImages' });
  });

  it("holds a chooser's edge cases: an undated, a tied, an arm64 and an incomplete container-capable image", async () => {
    const usable = DEFAULT_SUPPORTED_IMAGES.filter(
      (i) => i.verificationType === 'verified' && i.osType === 'linux' && (i.capabilities ?? []).includes('DockerCompatible'),
    );
    const label = (i: SupportedImage) => `${i.imageReference.publisher}/${i.imageReference.offer}/${i.imageReference.sku}`;
    const eol = (i: SupportedImage) => Date.parse(i.batchSupportEndOfLife ?? '');
    expect(usable.filter((i) => !i.batchSupportEndOfLife).map(label)).toEqual(['microsoft-azure-batch/centos-container/7-8']);
    // Tied on end of life, from two publishers; the other one is listed first.
    expect(usable.filter((i) => i.batchSupportEndOfLife === hpc2404.batchSupportEndOfLife).map(label)).toEqual([
      'almalinux/almalinux-hpc/9-hpc-gen2',
      'microsoft-dsvm/ubuntu-hpc/2404',
    ]);
    // Supported longer than 2404 (the verified Linux DockerCompatible image with the furthest date): arm64, and one without a sku.
    const longer = usable.filter((i) => eol(i) > eol(hpc2404));
    expect(longer.map(label)).toEqual(['canonical/ubuntu-24_04-lts/server-arm64', 'microsoft-dsvm/ubuntu-hpc/undefined']);
    const pool = (id: string, imageReference: BatchServiceModels.ImageReference) => ({
      id,
      vmSize: 'standard_d2s_v5',
      virtualMachineConfiguration: { imageReference, nodeAgentSKUId: 'batch.node.ubuntu 24.04' },
      targetDedicatedNodes: 0,
    });
    // No pool can be made from the entry without a sku; the arm64 one is a supported image like any other.
    const incomplete = await rejection(client.pool.add(pool('no-sku', { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc' })));
    expect(incomplete).toMatchObject({ statusCode: 400, code: 'InvalidPropertyValue' });
    await client.pool.add(pool('arm', { publisher: 'canonical', offer: 'ubuntu-24_04-lts', sku: 'server-arm64' }));
    await client.pool.deleteMethod('arm');
  });

  it('answers the list a test gives, against the test clock', async () => {
    const own: SupportedImage[] = [
      {
        nodeAgentSKUId: 'batch.node.ubuntu 24.04',
        imageReference: { publisher: 'acme', offer: 'noble', sku: '1', version: 'latest' },
        osType: 'linux',
        capabilities: ['DockerCompatible'],
        batchSupportEndOfLife: '2026-01-01T00:00:00Z',
        verificationType: 'verified',
      },
      { ...hpc2404 },
    ];
    const custom = await startBatchService({ supportedImages: own, clock: () => new Date('2026-06-01T00:00:00Z') });
    try {
      const c = batchClient(custom);
      expect(names(await c.account.listSupportedImages())).toEqual(['acme/noble/1', 'microsoft-dsvm/ubuntu-hpc/2404']);
      // The agent lives on (another image uses it), but this image's end of life has passed on the test clock.
      const pool = { id: 'p', vmSize: 'standard_d2s_v5', targetDedicatedNodes: 0 };
      const ended = await rejection(
        c.pool.add({
          ...pool,
          virtualMachineConfiguration: { imageReference: own[0]!.imageReference, nodeAgentSKUId: 'batch.node.ubuntu 24.04' },
        }),
      );
      expect(ended).toMatchObject({ statusCode: 400, code: 'InvalidPropertyValue' });
      expect(ended.values).toEqual([
        { key: 'PropertyName', value: 'virtualMachineConfiguration.imageReference' },
        { key: 'Reason', value: expect.stringContaining('end of life on 2026-01-01') },
      ]);
      await c.pool.add({ ...pool, virtualMachineConfiguration: ubuntu2404 });
    } finally {
      await custom.stop();
    }
  });
});

describe('pool creation against the supported images', () => {
  const pool = (id: string, virtualMachineConfiguration: BatchServiceModels.VirtualMachineConfiguration) => ({
    id,
    vmSize: 'standard_d2s_v5',
    virtualMachineConfiguration,
    targetDedicatedNodes: 0,
  });

  it('refuses the retired Ubuntu 20.04 image and node agent, naming the property and the date', async () => {
    const refused = await rejection(client.pool.add(pool('old-image', retired)));
    expect(refused).toMatchObject({ statusCode: 400, code: 'InvalidPropertyValue' });
    expect(refused.values).toEqual([
      { key: 'PropertyName', value: 'virtualMachineConfiguration.nodeAgentSKUId' },
      { key: 'Reason', value: expect.stringMatching(/'batch\.node\.ubuntu 20\.04' reached its Batch support end of life on 2025-04-23/) },
    ]);
    expect(svc.store.pool('old-image')).toBeUndefined();
    // A custom image is checked by its node agent alone.
    const custom = await rejection(
      client.pool.add(
        pool('old-custom', {
          imageReference: { virtualMachineImageId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/x/images/y' },
          nodeAgentSKUId: 'batch.node.ubuntu 20.04',
        }),
      ),
    );
    expect(custom.values[0]).toEqual({ key: 'PropertyName', value: 'virtualMachineConfiguration.nodeAgentSKUId' });
  });

  it('refuses an image that is not in the list, and a node agent that does not go with the image', async () => {
    const unknown = await rejection(
      client.pool.add(
        pool('unknown-image', {
          imageReference: { publisher: 'canonical', offer: 'ubuntu', sku: '22_04-lts' },
          nodeAgentSKUId: 'batch.node.ubuntu 22.04',
        }),
      ),
    );
    expect(unknown).toMatchObject({ statusCode: 400, code: 'InvalidPropertyValue' });
    expect(unknown.values).toEqual([
      { key: 'PropertyName', value: 'virtualMachineConfiguration.imageReference' },
      { key: 'Reason', value: expect.stringContaining('is not supported') },
    ]);
    const mismatch = await rejection(client.pool.add(pool('mismatch', { ...ubuntu2404, nodeAgentSKUId: 'batch.node.ubuntu 22.04' })));
    expect(mismatch.values).toEqual([
      { key: 'PropertyName', value: 'virtualMachineConfiguration.nodeAgentSKUId' },
      { key: 'Reason', value: expect.stringContaining("needs 'batch.node.ubuntu 24.04'") },
    ]);
    const noAgent = await rejection(
      client.pool.add(pool('no-agent', { imageReference: { virtualMachineImageId: '/x' }, nodeAgentSKUId: 'batch.node.ubuntu 12.04' })),
    );
    expect(noAgent.values[0]).toEqual({ key: 'PropertyName', value: 'virtualMachineConfiguration.nodeAgentSKUId' });
  });

  it('refuses a job whose auto pool names a retired image, and accepts the supported images', async () => {
    const auto = await rejection(
      client.job.add({
        id: 'auto-old',
        poolInfo: {
          autoPoolSpecification: {
            poolLifetimeOption: 'job',
            pool: { vmSize: 'standard_d2s_v5', virtualMachineConfiguration: retired, targetDedicatedNodes: 0 },
          },
        },
      }),
    );
    expect(auto.values[0]).toEqual({
      key: 'PropertyName',
      value: 'poolInfo.autoPoolSpecification.pool.virtualMachineConfiguration.nodeAgentSKUId',
    });
    expect(svc.store.job('auto-old')).toBeUndefined();
    await client.pool.add(pool('noble', ubuntu2404));
    await client.pool.add(
      pool('jammy', {
        imageReference: { publisher: 'Canonical', offer: '0001-com-ubuntu-server-jammy', sku: '22_04-lts' },
        nodeAgentSKUId: 'batch.node.ubuntu 22.04',
      }),
    );
    expect(svc.store.pool('noble')).toBeDefined();
  });

  it('retires the Ubuntu 22.04 node agent after 30 June 2027 and accepted 20.04 before 23 April 2025 (by the clock option)', async () => {
    for (const [date, vm, ok] of [
      [
        '2027-07-01T00:00:00Z',
        { ...ubuntu2404, imageReference: { ...ubuntu2404.imageReference, sku: '2204' }, nodeAgentSKUId: 'batch.node.ubuntu 22.04' },
        false,
      ],
      ['2025-04-22T00:00:00Z', retired, true],
    ] as const) {
      const then = await startBatchService({ clock: () => new Date(date) });
      try {
        const added = batchClient(then).pool.add(pool('p', vm));
        if (ok) await added;
        else expect((await rejection(added)).values[1]!.value).toContain('end of life on 2027-06-30');
      } finally {
        await then.stop();
      }
    }
  });
});

describe('pools whose image or node agent reached its end of life cannot grow', () => {
  const nodes = (id: string) => svc.poolNodes(id)!;
  const resizeErrors = (id: string) =>
    waitFor(`a resize error on ${id}`, async () => {
      const p = await client.pool.get(id);
      return p.resizeErrors?.length && p.allocationState === 'steady' ? p : undefined;
    });

  it('keeps a pool made before 20.04 ended at its size, with a resizeError, on resize and autoscale; it can shrink', async () => {
    svc.addPool({ id: 'legacy', vmSize: 'standard_d2s_v3', virtualMachineConfiguration: retired, targetDedicatedNodes: 1 });
    expect(nodes('legacy')).toMatchObject({ targetDedicated: 1, dedicated: 1 });
    expect((await client.pool.get('legacy')).resizeErrors).toBeUndefined();

    await client.pool.resize('legacy', { targetDedicatedNodes: 3, targetLowPriorityNodes: 1 });
    const grown = await resizeErrors('legacy');
    expect(grown).toMatchObject({
      targetDedicatedNodes: 3,
      currentDedicatedNodes: 1,
      targetLowPriorityNodes: 1,
      currentLowPriorityNodes: 0,
    });
    expect(grown.resizeErrors).toEqual([
      {
        code: 'UnsupportedNodeImage',
        message: expect.stringContaining("node agent SKU 'batch.node.ubuntu 20.04' reached its Batch support end of life on 2025-04-23"),
        values: [
          { name: 'NodeAgentSKUId', value: 'batch.node.ubuntu 20.04' },
          { name: 'BatchSupportEndOfLife', value: '2025-04-23' },
        ],
      },
    ]);
    const raw = (await (await signedFetch(svc, 'GET', '/pools/legacy')).json()) as { resizeErrors: unknown[] };
    expect(Object.keys(raw.resizeErrors[0]!).sort()).toEqual(['code', 'message', 'values']);
    await new Promise((r) => setTimeout(r, 150));
    expect(nodes('legacy')).toMatchObject({ dedicated: 1, lowPriority: 0 });

    // Shrinking is a resize that succeeds: the errors go.
    await client.pool.resize('legacy', { targetDedicatedNodes: 0, targetLowPriorityNodes: 0 });
    await waitFor('the pool to shrink', () => (nodes('legacy').dedicated === 0 ? true : undefined));
    expect((await client.pool.get('legacy')).resizeErrors).toBeUndefined();

    await client.pool.enableAutoScale('legacy', { autoScaleFormula: '$TargetDedicatedNodes = 2;', autoScaleEvaluationInterval: 'PT5M' });
    expect((await resizeErrors('legacy')).resizeErrors![0]!.code).toBe('UnsupportedNodeImage');
    expect(nodes('legacy')).toMatchObject({ targetDedicated: 2, dedicated: 0 });
  });

  it('refuses growth from the day the image ends (the clock), for pools made before and pools seeded by the pools option', async () => {
    let now = new Date('2029-06-01T00:00:00Z');
    const seeded = { id: 'seeded', vmSize: 'standard_d2s_v5', virtualMachineConfiguration: retired, targetDedicatedNodes: 2 };
    const later = await startBatchService({ clock: () => now, pools: [seeded], nodeStartMs: 10, tickMs: 10 });
    try {
      expect(later.poolNodes('seeded')).toMatchObject({ dedicated: 2 });
      expect(() => later.addPool(seeded)).toThrow(expect.objectContaining({ code: 'PoolExists' }));
      const c = batchClient(later);
      await c.pool.add({ id: 'noble', vmSize: 'standard_d2s_v5', virtualMachineConfiguration: ubuntu2404, targetDedicatedNodes: 1 });
      await waitFor('a node', () => (later.poolNodes('noble')!.dedicated === 1 ? true : undefined));
      now = new Date('2029-07-01T00:00:00Z');
      await c.pool.resize('noble', { targetDedicatedNodes: 2 });
      const p = await waitFor('a resize error', async () => {
        const got = await c.pool.get('noble');
        return got.resizeErrors?.length ? got : undefined;
      });
      // The 24.04 agent lives on (other images use it); the image itself ended.
      expect(p.resizeErrors![0]!.values).toEqual([
        { name: 'ImageReference', value: 'microsoft-dsvm/ubuntu-hpc/2404' },
        { name: 'BatchSupportEndOfLife', value: '2029-06-30' },
      ]);
      expect(later.poolNodes('noble')).toMatchObject({ targetDedicated: 2, dedicated: 1 });
      // The service's clock is its Date header too.
      expect((await signedFetch(later, 'GET', '/pools/noble')).headers.get('date')).toBe(now.toUTCString());
    } finally {
      await later.stop();
    }
  });
});

describe('infrastructure failures, reported as Batch reports them', () => {
  beforeAll(async () => {
    await client.pool.add({
      id: 'work',
      vmSize: 'standard_d2s_v5',
      virtualMachineConfiguration: ubuntu2404,
      targetDedicatedNodes: 1,
      targetLowPriorityNodes: 1,
    });
    await client.job.add({ id: 'infra', poolInfo: { poolId: 'work' } });
  });

  it('fails a task whose container image cannot be pulled: ContainerInvalidImage, usererror, no exit code, not retried', async () => {
    await client.task.addCollection('infra', [
      { id: 'gone', commandLine: '', containerSettings: { imageName: GONE }, constraints: { maxTaskRetryCount: 3 } },
      { id: 'unknown', commandLine: 'true', containerSettings: { imageName: 'mxnacr.azurecr.io/never-pushed:2' } },
    ]);
    const gone = await waitFor('the task to complete', async () => {
      const t = await client.task.get('infra', 'gone');
      return t.state === 'completed' ? t : undefined;
    });
    expect(gone.executionInfo).toMatchObject({ result: 'failure', retryCount: 0, requeueCount: 0 });
    expect(gone.executionInfo?.exitCode).toBeUndefined();
    expect(gone.executionInfo?.failureInfo).toEqual({
      category: 'usererror',
      code: 'ContainerInvalidImage',
      message: 'One or more container images specified are invalid',
      details: [
        { name: 'ContainerImage', value: GONE },
        { name: 'Message', value: PULL_MESSAGE },
      ],
    });
    const unknown = await waitFor('the task to complete', async () => {
      const t = await client.task.get('infra', 'unknown');
      return t.state === 'completed' ? t : undefined;
    });
    expect(unknown.executionInfo?.failureInfo).toMatchObject({ category: 'usererror', code: 'ContainerInvalidImage' });
    expect((await client.job.getTaskCounts('infra')).taskCounts.failed).toBe(2);
  });

  it('requeues the tasks of a preempted Spot node, which then run to success', async () => {
    const spot = await client.job.add({ id: 'spot', poolInfo: { poolId: 'work' }, priority: 10 });
    expect(spot).toBeTruthy();
    await client.task.addCollection(
      'spot',
      ['a', 'b'].map((id) => ({ id, commandLine: sleep(600) })),
    );
    await waitFor('both tasks to run', () => {
      const pool = svc.store.pool('work')!;
      return pool.nodes.every((n) => n.running.size === 1) ? true : undefined;
    });
    expect(svc.preemptNodes('work')).toBe(1);
    expect(svc.preemptNodes('nope')).toBe(0);
    const tasks = await waitFor('both to complete', async () => {
      const list = await client.task.list('spot');
      return list.every((t) => t.state === 'completed') ? list : undefined;
    });
    const requeued = tasks.map((t) => t.executionInfo?.requeueCount).sort();
    expect(requeued).toEqual([0, 1]);
    expect(tasks.every((t) => t.executionInfo?.result === 'success' && t.executionInfo.retryCount === 0)).toBe(true);
  });

  it('lets a test put a SAS URL into the failure details of an image pull and of an output upload (uploadFailures)', async () => {
    const upload = (id: string): BatchServiceModels.TaskAddParameter => ({
      id,
      commandLine: 'node -e "0"',
      outputFiles: [
        {
          filePattern: '../std*.txt',
          destination: { container: { containerUrl: SAS_URL } },
          uploadOptions: { uploadCondition: 'taskcompletion' },
        },
      ],
    });
    const injected = svc.inject({ uploadFailures: 1 });
    await client.task.addCollection('infra', [
      { id: 'denied', commandLine: '', containerSettings: { imageName: DENIED } },
      upload('upload'),
    ]);
    const done = async (id: string) =>
      waitFor(`${id} to complete`, async () => {
        const t = await client.task.get('infra', id);
        return t.state === 'completed' ? t : undefined;
      });
    expect((await done('denied')).executionInfo?.failureInfo?.details).toEqual([
      { name: 'ContainerImage', value: DENIED },
      { name: 'Message', value: 'unauthorized: authentication required' },
      { name: 'RegistryUrl', value: SAS_URL },
    ]);
    expect((await done('upload')).executionInfo).toMatchObject({
      exitCode: 0,
      result: 'failure',
      failureInfo: { code: 'FileUploadMiscError', details: [{ name: 'ContainerUrl', value: SAS_URL }] },
    });
    expect(injected.hits).toBe(1);
    svc.inject({ uploadFailures: 1, details: [{ name: 'BlobUrl', value: `${SAS_URL}&x=1` }] });
    await client.task.addCollection('infra', [upload('upload-2')]);
    expect((await done('upload-2')).executionInfo?.failureInfo?.details).toEqual([{ name: 'BlobUrl', value: `${SAS_URL}&x=1` }]);
  });
});

describe('answers checked against the 2025-06-01 description', () => {
  it('finds missing required and unknown properties, except what $select leaves out', () => {
    expect(() => validateResponse('Pool_Get', { 'odata.metadata': 'x', id: 'p' }, false)).toThrow(ResponseShapeError);
    expect(() => validateResponse('Pool_Get', { 'odata.metadata': 'x', id: 'p', state: 'active' }, true)).not.toThrow();
    expect(() => validateResponse('Pool_Get', { id: 'p', state: 'sleeping' }, true)).toThrow(/state/);
    expect(() => validateResponse('Task_List', { value: [{ id: 't', bogus: 1 }] }, true)).toThrow(/value\[0\]\.bogus/);
    expect(() =>
      validateResponse('Task_List', { value: [{ id: 't', state: 'active' }], 'odata.nextLink': 'http://x' }, true),
    ).not.toThrow();
  });

  it('answers 500 naming the property when the fake would answer a shape the description does not allow', async () => {
    const broken = await startBatchService({
      supportedImages: [{ ...hpc2404, osType: 'beos' as 'linux' }],
    });
    try {
      const res = await signedFetch(broken, 'GET', '/supportedimages');
      expect(res.status).toBe(500);
      const body = (await res.json()) as ErrorBody;
      expect(body.code).toBe('InternalServerError');
      expect(body.values?.[0]?.value).toMatch(/loopback Batch service bug: .*value\[0\]\.osType/);
    } finally {
      await broken.stop();
    }
  });
});
