/** Job operations: add (with a pool or an auto pool), get, patch, taskcounts, terminate, delete. */
import { randomUUID } from 'node:crypto';
import { BatchServiceError, propertyError } from './errors.js';
import { createPool, removePool } from './handlers-pools.js';
import { validateBody } from './spec.js';
import { newETag, now, renderJob, type Job } from './store.js';
import { elementBody, entityHeaders, type Handler, type RequestContext } from './context.js';
import type { JsonObject, PoolSpec } from './spec-types.js';

/** The fields of a `BatchJobCreateOptions` (and `BatchJobUpdateOptions`, `BatchJobTerminateOptions`) the service acts on. */
interface JobBody extends JsonObject {
  id: string;
  poolInfo: {
    poolId?: string;
    autoPoolSpecification?: { autoPoolIdPrefix?: string; poolLifetimeOption?: string; keepAlive?: boolean; pool?: PoolSpec };
  };
  usesTaskDependencies?: boolean;
  onAllTasksComplete?: string;
  onTaskFailure?: string;
  priority?: number;
  terminateReason?: string;
}

function findJob(ctx: RequestContext): Job {
  const job = ctx.store.job(ctx.params.jobId!);
  if (!job) throw new BatchServiceError('JobNotFound');
  return job;
}

const AUTO_POOLS = new WeakMap<Job, string>();

/** Deletes a job's auto pool once the job has completed or gone (poolLifetimeOption `job`). */
export function reapAutoPools(ctx: RequestContext): void {
  for (const [, job] of ctx.store.jobs) {
    const poolId = AUTO_POOLS.get(job);
    if (poolId && job.state === 'completed') {
      const pool = ctx.store.pool(poolId);
      if (pool && pool.state === 'active') removePool(ctx, pool);
      AUTO_POOLS.delete(job);
    }
  }
}

export const jobHandlers: Record<string, Handler> = {
  Job_Add(ctx) {
    validateBody(ctx.operationId, ctx.body);
    const body = ctx.body as JobBody;
    const existing = ctx.store.job(body.id);
    if (existing) throw new BatchServiceError(existing.state === 'deleting' ? 'JobBeingDeleted' : 'JobExists');
    const { poolInfo, ...spec } = body;
    let poolId: string | undefined = poolInfo.poolId;
    let autoPool = false;
    if (poolId === undefined) {
      const auto = poolInfo.autoPoolSpecification;
      if (!auto) throw propertyError('MissingRequiredProperty', 'poolInfo.poolId');
      if (!auto.pool) throw propertyError('MissingRequiredProperty', 'poolInfo.autoPoolSpecification.pool');
      poolId = `${auto.autoPoolIdPrefix ?? ''}_${randomUUID()}`.slice(0, 64).replace(/^_/, '');
      createPool(ctx, poolId, auto.pool, 'poolInfo.autoPoolSpecification.pool');
      autoPool = auto.poolLifetimeOption === 'job' && !auto.keepAlive;
    }
    if (spec.usesTaskDependencies === undefined) spec.usesTaskDependencies = false;
    const time = now();
    const job: Job = {
      id: body.id,
      spec: { ...spec, poolInfo },
      creationTime: time,
      lastModified: time,
      eTag: newETag(),
      state: 'active',
      stateTransitionTime: time,
      poolId: poolId!,
      onAllTasksComplete: spec.onAllTasksComplete ?? 'noaction',
      onTaskFailure: spec.onTaskFailure ?? 'noaction',
      usesTaskDependencies: spec.usesTaskDependencies,
      priority: spec.priority ?? 0,
      tasks: new Map(),
      taskSeq: 0,
    };
    ctx.store.jobs.set(job.id.toLowerCase(), job);
    if (autoPool) AUTO_POOLS.set(job, poolId!);
    ctx.scheduler.kick();
    const url = `${ctx.baseUrl}/jobs/${job.id}`;
    return { status: 201, headers: { Location: url, ...entityHeaders(url, job.eTag, job.lastModified) } };
  },
  Job_Get(ctx) {
    const job = findJob(ctx);
    return {
      status: 200,
      body: elementBody(ctx, 'jobs', renderJob(job, ctx.baseUrl)),
      headers: entityHeaders(`${ctx.baseUrl}/jobs/${job.id}`, job.eTag, job.lastModified),
    };
  },
  Job_Patch(ctx) {
    const job = findJob(ctx);
    validateBody(ctx.operationId, ctx.body);
    if (job.state === 'completed' || job.state === 'terminating') throw new BatchServiceError('JobCompleted');
    if (job.state === 'deleting') throw new BatchServiceError('JobBeingDeleted');
    const body: Partial<JobBody> = ctx.body ?? {};
    if (body.onAllTasksComplete !== undefined) {
      if (job.onAllTasksComplete.toLowerCase() === 'terminatejob' && body.onAllTasksComplete.toLowerCase() === 'noaction') {
        throw propertyError('InvalidPropertyValue', 'onAllTasksComplete', 'Automatic job termination cannot be turned off once it is on.');
      }
      job.onAllTasksComplete = body.onAllTasksComplete;
    }
    if (body.priority !== undefined) job.priority = body.priority;
    if (body.poolInfo?.poolId) job.poolId = body.poolInfo.poolId;
    job.spec = { ...job.spec, ...body };
    job.lastModified = now();
    job.eTag = newETag();
    ctx.scheduler.kick();
    return { status: 200, headers: entityHeaders(`${ctx.baseUrl}/jobs/${job.id}`, job.eTag, job.lastModified) };
  },
  Job_GetTaskCounts(ctx) {
    const job = findJob(ctx);
    const counts = { active: 0, running: 0, completed: 0, succeeded: 0, failed: 0 };
    const slots = { active: 0, running: 0, completed: 0, succeeded: 0, failed: 0 };
    for (const t of job.tasks.values()) {
      const n = t.spec.requiredSlots ?? 1;
      const key = t.state === 'preparing' ? 'running' : t.state;
      counts[key]++;
      slots[key] += n;
      if (t.state === 'completed') {
        const r = t.executionInfo.result === 'success' ? 'succeeded' : 'failed';
        counts[r]++;
        slots[r] += n;
      }
    }
    return {
      status: 200,
      body: { 'odata.metadata': `${ctx.baseUrl}/$metadata#taskcountsresult/@Element`, taskCounts: counts, taskSlotCounts: slots },
    };
  },
  Job_Terminate(ctx) {
    const job = findJob(ctx);
    if (ctx.body) validateBody(ctx.operationId, ctx.body);
    if (job.state === 'completed' || job.state === 'terminating') throw new BatchServiceError('JobCompleted');
    if (job.state === 'deleting') throw new BatchServiceError('JobBeingDeleted');
    ctx.scheduler.terminateJob(job, (ctx.body as Partial<JobBody> | undefined)?.terminateReason ?? 'UserTerminate');
    return { status: 202, headers: entityHeaders(`${ctx.baseUrl}/jobs/${job.id}`, job.eTag, job.lastModified) };
  },
  Job_Delete(ctx) {
    const job = findJob(ctx);
    const poolId = AUTO_POOLS.get(job);
    if (poolId) {
      const pool = ctx.store.pool(poolId);
      if (pool) removePool(ctx, pool);
      AUTO_POOLS.delete(job);
    }
    if (job.state !== 'deleting') ctx.scheduler.deleteJob(job);
    return { status: 202 };
  },
};
