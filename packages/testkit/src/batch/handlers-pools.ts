/** Pool operations: add, get, exists, delete, enable/evaluate/disable autoscale, resize, and the supported images. */
import { BatchServiceError, propertyError } from './errors.js';
import { compileFilter, decodeSkipToken, encodeSkipToken, maxResults } from './odata.js';
import { durationMs, validateBody } from './spec.js';
import { newETag, now, renderPool, type Pool } from './store.js';
import { elementBody, entityHeaders, type Handler, type RequestContext } from './context.js';
import type { JsonObject, PoolSpec } from './spec-types.js';
import { checkPoolImage } from './supported-images.js';

/** The fields of a `BatchPoolResizeOptions`. */
interface PoolResize {
  targetDedicatedNodes?: number;
  targetLowPriorityNodes?: number;
  nodeDeallocationOption?: string;
}

const MIN_INTERVAL = 5 * 60_000;
const MAX_INTERVAL = 168 * 3_600_000;

function findPool(ctx: RequestContext): Pool {
  const pool = ctx.store.pool(ctx.params.poolId!);
  if (!pool) throw new BatchServiceError('PoolNotFound');
  return pool;
}

function checkInterval(interval: string | undefined, prop: string): void {
  if (interval === undefined) return;
  const ms = durationMs(interval);
  if (ms < MIN_INTERVAL || ms > MAX_INTERVAL)
    throw propertyError('InvalidPropertyValue', prop, 'The interval must be between 5 minutes and 168 hours.');
}

/**
 * Creates a pool from a `BatchPoolCreateOptions` / `BatchPoolSpecification` body (validated by the
 * caller); `where` is the path of the body in the request, for error answers (`''` for a pool add).
 * `checkImage: false` skips the supported-images check (a pool seeded by a test, made before its image ended).
 */
export function createPool(ctx: RequestContext, id: string, spec: PoolSpec, where = '', checkImage = true): Pool {
  const vmPath = where ? `${where}.virtualMachineConfiguration` : 'virtualMachineConfiguration';
  if (!spec.virtualMachineConfiguration) throw propertyError('MissingRequiredProperty', vmPath);
  if (checkImage) checkPoolImage(ctx.settings.supportedImages, ctx.settings.clock(), spec.virtualMachineConfiguration, vmPath);
  if (spec.enableAutoScale) {
    if (!spec.autoScaleFormula) throw propertyError('MissingRequiredProperty', 'autoScaleFormula');
    for (const p of ['targetDedicatedNodes', 'targetLowPriorityNodes']) {
      if (spec[p] !== undefined)
        throw propertyError('InvalidPropertyValue', p, 'This property must not be specified when enableAutoScale is true.');
    }
    checkInterval(spec.autoScaleEvaluationInterval, 'autoScaleEvaluationInterval');
  } else if (spec.targetDedicatedNodes === undefined && spec.targetLowPriorityNodes === undefined) {
    throw propertyError('MissingRequiredProperty', 'targetDedicatedNodes');
  }
  const slots = spec.taskSlotsPerNode ?? 1;
  if (slots < 1 || slots > 256) throw propertyError('InvalidPropertyValue', 'taskSlotsPerNode', 'The value must be between 1 and 256.');
  const time = now();
  const {
    enableAutoScale,
    autoScaleFormula,
    autoScaleEvaluationInterval,
    targetDedicatedNodes,
    targetLowPriorityNodes,
    taskSlotsPerNode,
    ...rest
  } = spec;
  const pool: Pool = {
    id,
    spec: rest,
    creationTime: time,
    lastModified: time,
    eTag: newETag(),
    state: 'active',
    allocationState: 'steady',
    allocationStateTransitionTime: time,
    taskSlotsPerNode: slots,
    enableAutoScale: !!enableAutoScale,
    autoScaleEvaluationInterval: autoScaleEvaluationInterval ?? 'PT15M',
    targetDedicatedNodes: targetDedicatedNodes ?? 0,
    targetLowPriorityNodes: targetLowPriorityNodes ?? 0,
    nodeDeallocationOption: 'requeue',
    nodes: [],
    nodeSeq: 0,
    ...(enableAutoScale ? { autoScaleFormula } : {}),
  };
  ctx.store.pools.set(id.toLowerCase(), pool);
  if (pool.enableAutoScale) {
    ctx.scheduler.evaluate(pool, pool.autoScaleFormula!, true, 'add');
    ctx.scheduler.scheduleAutoScale(pool);
  }
  ctx.scheduler.kick();
  return pool;
}

/** Removes a pool: its tasks are requeued, its nodes go away. */
export function removePool(ctx: RequestContext, pool: Pool): void {
  pool.state = 'deleting';
  pool.targetDedicatedNodes = 0;
  pool.targetLowPriorityNodes = 0;
  pool.nodeDeallocationOption = 'requeue';
  pool.eTag = newETag();
  ctx.scheduler.tick();
  for (const node of pool.nodes)
    for (const key of node.running) {
      const [jobId, taskId] = key.split('/') as [string, string];
      const task = ctx.store.job(jobId)?.tasks.get(taskId.toLowerCase());
      if (task) {
        (task as { evicted?: string }).evicted = 'requeue';
        task.abort?.abort();
      }
    }
  pool.nodes = [];
  setTimeout(() => ctx.store.pools.delete(pool.id.toLowerCase()), 50).unref();
}

/** What `$filter` may name in List Supported Images, with the operators the service documents for each. */
const IMAGE_FILTER = { osType: ['eq', 'ne'], verificationType: ['eq', 'ne'], nodeAgentSKUId: ['eq', 'ne'] } as const;

export const poolHandlers: Record<string, Handler> = {
  Account_ListSupportedImages(ctx) {
    const limit = maxResults(ctx.query.get('maxresults'));
    const after = decodeSkipToken(ctx.query.get('$skiptoken'));
    const filter = compileFilter(ctx.query.get('$filter'), IMAGE_FILTER);
    const value: JsonObject[] = [];
    let last: number | undefined;
    let more = false;
    for (const [i, entry] of ctx.settings.supportedImages.entries()) {
      if (i <= after || !filter(entry as unknown as JsonObject)) continue;
      if (value.length === limit) {
        more = true;
        break;
      }
      value.push(structuredClone(entry) as unknown as JsonObject);
      last = i;
    }
    const body: JsonObject = { 'odata.metadata': `${ctx.baseUrl}/$metadata#supportedimages`, value };
    if (more && last !== undefined) {
      const next = new URL(`${ctx.baseUrl}/supportedimages`);
      next.searchParams.set('api-version', ctx.query.get('api-version')!);
      for (const p of ['$filter', 'maxresults']) if (ctx.query.has(p)) next.searchParams.set(p, ctx.query.get(p)!);
      next.searchParams.set('$skiptoken', encodeSkipToken(last));
      body['odata.nextLink'] = next.toString();
    }
    return { status: 200, body };
  },
  Pool_Add(ctx) {
    validateBody(ctx.operationId, ctx.body);
    const body = ctx.body as PoolSpec & { id: string };
    const existing = ctx.store.pool(body.id);
    if (existing) throw new BatchServiceError(existing.state === 'deleting' ? 'PoolBeingDeleted' : 'PoolExists');
    const { id, ...spec } = body;
    const pool = createPool(ctx, id, spec);
    const url = `${ctx.baseUrl}/pools/${pool.id}`;
    return { status: 201, headers: { Location: url, ...entityHeaders(url, pool.eTag, pool.lastModified) } };
  },
  Pool_Get(ctx) {
    const pool = findPool(ctx);
    return {
      status: 200,
      body: elementBody(ctx, 'pools', renderPool(pool, ctx.baseUrl)),
      headers: entityHeaders(`${ctx.baseUrl}/pools/${pool.id}`, pool.eTag, pool.lastModified),
    };
  },
  Pool_Exists(ctx) {
    const pool = ctx.store.pool(ctx.params.poolId!);
    return { status: pool ? 200 : 404 };
  },
  Pool_Delete(ctx) {
    const pool = findPool(ctx);
    if (pool.state !== 'deleting') removePool(ctx, pool);
    return { status: 202 };
  },
  Pool_EnableAutoScale(ctx) {
    const pool = findPool(ctx);
    validateBody(ctx.operationId, ctx.body);
    const { autoScaleFormula, autoScaleEvaluationInterval }: PoolSpec = ctx.body ?? {};
    if (!pool.enableAutoScale && !autoScaleFormula) throw propertyError('MissingRequiredProperty', 'autoScaleFormula');
    checkInterval(autoScaleEvaluationInterval, 'autoScaleEvaluationInterval');
    const since = Date.now() - (pool.lastEnableAutoScaleAt ?? -Infinity);
    if (since < ctx.settings.enableAutoScaleMinIntervalMs) throw new BatchServiceError('AutoScaleTooManyRequestsToEnable');
    pool.lastEnableAutoScaleAt = Date.now();
    pool.enableAutoScale = true;
    if (autoScaleFormula) pool.autoScaleFormula = autoScaleFormula;
    if (autoScaleEvaluationInterval) pool.autoScaleEvaluationInterval = autoScaleEvaluationInterval;
    pool.lastModified = now();
    pool.eTag = newETag();
    // Enabling (or changing) autoscale evaluates the formula at once and restarts the interval.
    ctx.scheduler.evaluate(pool, pool.autoScaleFormula!, true, 'enable');
    ctx.scheduler.scheduleAutoScale(pool);
    return { status: 200, headers: entityHeaders(`${ctx.baseUrl}/pools/${pool.id}`, pool.eTag, pool.lastModified) };
  },
  Pool_EvaluateAutoScale(ctx) {
    const pool = findPool(ctx);
    validateBody(ctx.operationId, ctx.body);
    if (!pool.enableAutoScale) throw new BatchServiceError('AutoScaleNotEnabled');
    // Like the service, this only returns the result: the pool is not resized.
    const run = ctx.scheduler.evaluate(pool, ctx.body!.autoScaleFormula as string, false, 'evaluate');
    return {
      status: 200,
      body: { 'odata.metadata': `${ctx.baseUrl}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.AutoScaleRun`, ...run },
    };
  },
  Pool_DisableAutoScale(ctx) {
    const pool = findPool(ctx);
    pool.enableAutoScale = false;
    delete pool.autoScaleFormula;
    delete pool.nextAutoScaleAt;
    pool.lastModified = now();
    pool.eTag = newETag();
    return { status: 200, headers: entityHeaders(`${ctx.baseUrl}/pools/${pool.id}`, pool.eTag, pool.lastModified) };
  },
  Pool_Resize(ctx) {
    const pool = findPool(ctx);
    validateBody(ctx.operationId, ctx.body);
    if (pool.enableAutoScale) throw new BatchServiceError('AutoScaleEnabled');
    const body: PoolResize = ctx.body ?? {};
    if (body.targetDedicatedNodes !== undefined) pool.targetDedicatedNodes = body.targetDedicatedNodes;
    if (body.targetLowPriorityNodes !== undefined) pool.targetLowPriorityNodes = body.targetLowPriorityNodes;
    pool.nodeDeallocationOption = body.nodeDeallocationOption ?? 'requeue';
    // A new resize: the last one's errors go (the scheduler records new ones if this one cannot grow the pool either).
    delete pool.resizeErrors;
    pool.lastModified = now();
    pool.eTag = newETag();
    ctx.scheduler.kick();
    return { status: 202, headers: entityHeaders(`${ctx.baseUrl}/pools/${pool.id}`, pool.eTag, pool.lastModified) };
  },
};
