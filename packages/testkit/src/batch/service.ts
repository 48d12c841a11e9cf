/**
 * `startBatchService()`: a loopback Azure Batch service (data-plane REST API 2025-06-01) for
 * tests and offline runs. It checks requests like the service, keeps pools, jobs and tasks in memory,
 * and really runs tasks as local processes (see README.md in this folder).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceSettings } from './context.js';
import { jobHandlers, reapAutoPools } from './handlers-jobs.js';
import { createPool, poolHandlers } from './handlers-pools.js';
import { taskHandlers } from './handlers-tasks.js';
import { BatchServiceError } from './errors.js';
import { Injector, type Injection, type InjectionHandle } from './inject.js';
import { operationNames, route, type RecordedRequest } from './router.js';
import type { LocalImages } from './runner.js';
import { Scheduler } from './scheduler.js';
import { specFacts, validateBody } from './spec.js';
import type { JsonObject, PoolSpec } from './spec-types.js';
import { BatchStore } from './store.js';
import { DEFAULT_SUPPORTED_IMAGES, growthBlocked, type SupportedImage } from './supported-images.js';

/**
 * The time tests run the service at (`fixedClock()`): a fixed date, so that what the images' end-of-life dates
 * mean (refused, near, supported) does not change as the real date moves on.
 */
export const LOOPBACK_TEST_TIME = '2026-11-30T00:00:00.000Z';

/** A clock that always says `at` (default `LOOPBACK_TEST_TIME`): the `clock` option for tests. */
export function fixedClock(at: string | Date = LOOPBACK_TEST_TIME): () => Date {
  const time = new Date(at).getTime();
  return () => new Date(time);
}

/** A pool as a Pool Add body (`BatchPoolCreateOptions`): `id`, `vmSize`, `virtualMachineConfiguration`, … */
export type PoolBody = JsonObject & { id: string };

export interface BatchServiceOptions {
  /** Account name used in URLs and SharedKey signatures. Default `mxnbatch`. */
  accountName?: string;
  /** Base64 account key. Default: 64 random bytes. */
  accountKey?: string;
  /** Port on 127.0.0.1. Default 0 (ephemeral). */
  port?: number;
  /**
   * Container image name → local command and working directory (or `{ pullFailure: 'message' }`: the
   * image cannot be pulled, and a task naming it fails as Batch reports it), or a function resolving a name.
   * Default `{}`.
   */
  images?: LocalImages;
  /** What List Supported Images answers and pool creation accepts. Default `DEFAULT_SUPPORTED_IMAGES`. */
  supportedImages?: readonly SupportedImage[];
  /**
   * The service's clock, against which images' `batchSupportEndOfLife` is checked (pool creation and growth),
   * also sent as each answer's `Date` header. Default: the real time. Tests pass `fixedClock()`.
   */
  clock?: () => Date;
  /**
   * Pools that exist when the service starts, as Pool Add bodies, created without the supported-images check
   * (as if made before their image's end of life) and with their target nodes ready. See `addPool`.
   */
  pools?: readonly PoolBody[];
  /**
   * Check every success answer against the 2025-06-01 description (a mismatch, a bug in this fake,
   * answers 500 `InternalServerError` naming the property). Default true.
   */
  checkResponses?: boolean;
  /** Where node and task folders go. Default: a new temp folder, removed by `stop()`. */
  rootDir?: string;
  /** ms a new node takes to start. Default 50. */
  nodeStartMs?: number;
  /** ms between periodic autoscale evaluations. Default: the pool's `autoScaleEvaluationInterval` / 1000 (15 min → 900 ms). */
  autoScaleIntervalMs?: number;
  /** Minimum ms between enableautoscale calls on one pool. Default 30 000, as the service. */
  enableAutoScaleMinIntervalMs?: number;
  /** Scheduler tick in ms. Default 25. */
  tickMs?: number;
  /**
   * How old the task metric samples an autoscale formula sees are (`$PendingTasks`, `$ActiveTasks`,
   * `$RunningTasks`, `$SucceededTasks`, `$FailedTasks`), in ms, like the service's sampling lag; before
   * a pool has a sample that old they read 0. Default 0: current values.
   */
  sampleLagMs?: number;
}

export interface PoolNodeCounts {
  targetDedicated: number;
  targetLowPriority: number;
  /** Nodes that exist, starting or ready. */
  dedicated: number;
  lowPriority: number;
  /** Slots in use by running tasks. */
  busySlots: number;
}

export interface BatchService {
  /** Account URL (`http://127.0.0.1:PORT`), the `batchUrl` for `BatchServiceClient`. */
  url: string;
  accountName: string;
  accountKey: string;
  /** The one api-version the service accepts: `2025-06-01`. */
  apiVersion: string;
  /**
   * Calls per operation (`Task_AddCollection`, `Job_GetTaskCounts`, …, `Unknown`), live; each count
   * can also be read by the operation's 2025-06-01 operationId (`calls.Tasks_CreateTaskCollection`).
   */
  calls: Record<string, number>;
  /** Every request received (method, url, headers, body, status), live. */
  requests: RecordedRequest[];
  /** Every autoscale evaluation (pool, time, formula, results or error, trigger), live. */
  autoScaleEvaluations: Scheduler['evaluations'];
  /** Injects a fault or latency; returns a handle to remove it. */
  inject(injection: Injection): InjectionHandle;
  /** Removes all injections. */
  clearInjections(): void;
  /**
   * Adds a pool as a Pool Add body would (checked against the 2025-06-01 description; a `BatchServiceError` if not),
   * but without the supported-images check, with its target nodes ready at once: a pool made before its image
   * or node agent reached end of life. Growing it past that date fails (`resizeErrors`, see README).
   */
  addPool(body: PoolBody): void;
  /** Node counts of a pool (undefined when it does not exist). */
  poolNodes(poolId: string): PoolNodeCounts | undefined;
  /**
   * Preempts up to `count` (default all) Spot/low-priority nodes of a pool that are running tasks, as
   * Azure reclaims Spot capacity: their tasks go back to active (`requeueCount` + 1, no failure) and a
   * new node starts in each one's place. Returns how many nodes were preempted.
   */
  preemptNodes(poolId: string, count?: number): number;
  /** The service's state (pools, jobs, tasks) for assertions. */
  store: BatchStore;
  /** Recorded requests whose URL, headers or body contain `needle` (raw or URL-encoded): for "no secret was sent" checks. */
  requestsContaining(needle: string): RecordedRequest[];
  /** Resets call counts and the request record. */
  resetCalls(): void;
  stop(): Promise<void>;
}

/** Starts the loopback Batch service on 127.0.0.1. */
export async function startBatchService(options: BatchServiceOptions = {}): Promise<BatchService> {
  const accountName = options.accountName ?? 'mxnbatch';
  const accountKey = options.accountKey ?? randomBytes(64).toString('base64');
  const ownRoot = options.rootDir === undefined;
  const rootDir = options.rootDir ?? (await mkdtemp(join(tmpdir(), 'mxn-batch-')));
  const store = new BatchStore();
  const injector = new Injector();
  let url = '';
  const settings: ServiceSettings = {
    enableAutoScaleMinIntervalMs: options.enableAutoScaleMinIntervalMs ?? 30_000,
    supportedImages: options.supportedImages ?? DEFAULT_SUPPORTED_IMAGES,
    clock: options.clock ?? (() => new Date()),
  };
  const scheduler = new Scheduler(store, {
    rootDir,
    accountName,
    accountUrl: () => url,
    images: options.images ?? {},
    nodeStartMs: options.nodeStartMs ?? 50,
    autoScaleIntervalMs: (poolMs) => options.autoScaleIntervalMs ?? poolMs / 1000,
    tickMs: options.tickMs ?? 25,
    ...(options.sampleLagMs ? { sampleLagMs: options.sampleLagMs } : {}),
    uploadFailure: () => injector.uploadFailure(),
    growthBlocked: (pool) =>
      growthBlocked(settings.supportedImages, settings.clock(), pool.spec.virtualMachineConfiguration as JsonObject | undefined),
  });
  // Counts are kept under the service's names; a 2025-06-01 operationId reads the same count.
  const calls = new Proxy<Record<string, number>>(
    {},
    {
      get: (counts, name) =>
        typeof name === 'string' && !(name in counts) && operationNames[name] ? counts[operationNames[name]] : Reflect.get(counts, name),
    },
  );
  const requests: RecordedRequest[] = [];
  const handlers = { ...poolHandlers, ...jobHandlers, ...taskHandlers };
  const checkResponses = options.checkResponses ?? true;
  const deps = {
    accountName,
    accountKey,
    baseUrl: () => url,
    handlers,
    calls,
    requests,
    store,
    scheduler,
    injector,
    settings,
    checkResponses,
  };
  const context = (operationId: string, body?: JsonObject) => ({
    ...deps,
    operationId,
    params: {},
    query: new Map<string, string>(),
    body,
    rawBody: Buffer.alloc(0),
    baseUrl: url,
  });
  const reaper = setInterval(() => reapAutoPools(context('')), 100);
  reaper.unref();
  const addPool = (body: PoolBody): void => {
    validateBody('Pool_Add', body);
    if (store.pool(body.id)) throw new BatchServiceError('PoolExists');
    const { id, ...spec } = body;
    scheduler.fill(createPool(context('Pool_Add', body), id, spec as PoolSpec, '', false));
  };
  try {
    for (const body of options.pools ?? []) addPool(body);
  } catch (error) {
    clearInterval(reaper);
    if (ownRoot) await rm(rootDir, { recursive: true, force: true });
    throw error;
  }

  const server = createServer((req, res) => void route(deps, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  scheduler.start();

  return {
    url,
    accountName,
    accountKey,
    apiVersion: specFacts.apiVersion,
    calls,
    requests,
    store,
    autoScaleEvaluations: scheduler.evaluations,
    inject: (i) => injector.add(i),
    clearInjections: () => injector.clear(),
    addPool,
    poolNodes(poolId) {
      const pool = store.pool(poolId);
      if (!pool) return undefined;
      let busy = 0;
      for (const n of pool.nodes) busy += n.running.size;
      return {
        targetDedicated: pool.targetDedicatedNodes,
        targetLowPriority: pool.targetLowPriorityNodes,
        dedicated: pool.nodes.filter((n) => n.isDedicated).length,
        lowPriority: pool.nodes.filter((n) => !n.isDedicated).length,
        busySlots: busy,
      };
    },
    preemptNodes: (poolId, count) => {
      const pool = store.pool(poolId);
      return pool ? scheduler.preempt(pool, count ?? Number.POSITIVE_INFINITY) : 0;
    },
    requestsContaining(needle) {
      const forms = [needle, encodeURIComponent(needle)];
      return requests.filter((r) =>
        forms.some((f) => r.url.includes(f) || r.body.includes(f) || Object.values(r.headers).some((v) => v.includes(f))),
      );
    },
    resetCalls() {
      for (const k of Object.keys(calls)) delete calls[k];
      requests.length = 0;
    },
    async stop() {
      clearInterval(reaper);
      await scheduler.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      if (ownRoot) await rm(rootDir, { recursive: true, force: true });
    },
  };
}
