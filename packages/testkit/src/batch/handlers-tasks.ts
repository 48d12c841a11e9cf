/** Task operations: add collection (limits, per-task results), list ($filter, $select, paging), get. */
import { BatchServiceError, errorBody, propertyError } from './errors.js';
import { applySelect, compileFilter, decodeSkipToken, encodeSkipToken, maxResults } from './odata.js';
import { itemDefinition, specFacts, validateDefinition } from './spec.js';
import { newETag, now, renderTask, type Job, type Task } from './store.js';
import { elementBody, type Handler, type RequestContext } from './context.js';
import type { JsonObject as Json, TaskSpec } from './spec-types.js';

/** Most tasks per add-collection call, and the body size it must stay under. */
export const MAX_TASKS_PER_COLLECTION = 100;
export const MAX_COLLECTION_BYTES = 1024 * 1024;
/** Most characters in a task's `dependsOn.taskIds`, all ids together. */
export const MAX_DEPENDENCY_ID_CHARS = 64_000;

/** The definition each task of an add-collection body is checked against (`BatchTaskCreateOptions` in 2025-06-01). */
const TASK_DEFINITION = itemDefinition(specFacts.operations.Task_AddCollection!.body!, 'value');

function findJob(ctx: RequestContext): Job {
  const job = ctx.store.job(ctx.params.jobId!);
  if (!job) throw new BatchServiceError('JobNotFound');
  return job;
}

/** Checks one task of a collection against the job; throws the error its result reports. */
function checkTask(job: Job, spec: TaskSpec, seen: Set<string>): void {
  validateDefinition(TASK_DEFINITION, spec);
  const key = spec.id.toLowerCase();
  if (job.tasks.has(key) || seen.has(key)) throw new BatchServiceError('TaskExists');
  const dep = spec.dependsOn;
  if (dep && ((dep.taskIds?.length ?? 0) > 0 || (dep.taskIdRanges?.length ?? 0) > 0)) {
    if (!job.usesTaskDependencies) throw new BatchServiceError('TaskDependenciesNotSpecifiedOnJob');
    const chars = (dep.taskIds ?? []).reduce((n: number, id: string) => n + id.length, 0);
    if (chars > MAX_DEPENDENCY_ID_CHARS) throw new BatchServiceError('TaskDependencyListTooLong');
    for (const [i, r] of (dep.taskIdRanges ?? []).entries()) {
      if (r.start > r.end)
        throw propertyError('InvalidPropertyValue', `dependsOn.taskIdRanges[${i}]`, 'start must not be greater than end.');
    }
  }
  const retries = spec.constraints?.maxTaskRetryCount;
  if (retries !== undefined && retries < -1)
    throw propertyError('InvalidPropertyValue', 'constraints.maxTaskRetryCount', 'The value must be -1 or greater.');
}

export const taskHandlers: Record<string, Handler> = {
  Task_AddCollection(ctx) {
    const job = findJob(ctx);
    if (ctx.rawBody.length >= MAX_COLLECTION_BYTES) {
      throw new BatchServiceError('RequestBodyTooLarge', [
        { key: 'Reason', value: `The request body is ${ctx.rawBody.length} bytes; the limit is under ${MAX_COLLECTION_BYTES}.` },
      ]);
    }
    if (Array.isArray(ctx.body?.value) && ctx.body.value.length > MAX_TASKS_PER_COLLECTION) {
      throw new BatchServiceError('RequestBodyTooLarge', [
        { key: 'Reason', value: `The collection has ${ctx.body.value.length} tasks; at most ${MAX_TASKS_PER_COLLECTION} are allowed.` },
      ]);
    }
    // Only the collection's shape fails the whole call; each task is checked on its own below.
    if (!Array.isArray(ctx.body?.value)) throw new BatchServiceError('MissingRequiredProperty', [{ key: 'PropertyName', value: 'value' }]);
    if (job.state === 'completed' || job.state === 'terminating') throw new BatchServiceError('JobCompleted');
    if (job.state === 'deleting') throw new BatchServiceError('JobBeingDeleted');
    const seen = new Set<string>();
    const results: Json[] = [];
    for (const spec of ctx.body.value as TaskSpec[]) {
      const taskId = typeof spec?.id === 'string' ? spec.id : '';
      try {
        if (!spec || typeof spec !== 'object') throw new BatchServiceError('InvalidRequestBody');
        checkTask(job, spec, seen);
      } catch (e) {
        if (!(e instanceof BatchServiceError)) throw e;
        const { 'odata.metadata': _m, ...error } = errorBody(ctx.baseUrl, e);
        results.push({ status: 'clienterror', taskId, error });
        continue;
      }
      if (ctx.injector.taskServerError()) {
        const { 'odata.metadata': _m, ...error } = errorBody(ctx.baseUrl, new BatchServiceError('ServerBusy'));
        results.push({ status: 'servererror', taskId, error });
        continue;
      }
      seen.add(taskId.toLowerCase());
      const time = now();
      const task: Task = {
        id: taskId,
        seq: job.taskSeq++,
        spec,
        creationTime: time,
        lastModified: time,
        eTag: newETag(),
        state: 'active',
        stateTransitionTime: time,
        executionInfo: { retryCount: 0, requeueCount: 0 },
      };
      job.tasks.set(taskId.toLowerCase(), task);
      results.push({
        status: 'success',
        taskId,
        eTag: task.eTag,
        lastModified: time,
        location: `${ctx.baseUrl}/jobs/${job.id}/tasks/${taskId}`,
      });
    }
    ctx.scheduler.kick();
    return { status: 200, body: { 'odata.metadata': `${ctx.baseUrl}/$metadata#taskaddresult`, value: results } };
  },
  Task_List(ctx) {
    const job = findJob(ctx);
    const limit = maxResults(ctx.query.get('maxresults'));
    const after = decodeSkipToken(ctx.query.get('$skiptoken'));
    const filter = compileFilter(ctx.query.get('$filter'));
    const select = ctx.query.get('$select');
    const value: Json[] = [];
    let last: number | undefined;
    let more = false;
    for (const task of job.tasks.values()) {
      if (task.seq <= after) continue;
      const rendered = renderTask(task, job, ctx.baseUrl);
      if (!filter(rendered)) continue;
      if (value.length === limit) {
        more = true;
        break;
      }
      value.push(applySelect(rendered, select));
      last = task.seq;
    }
    const body: Json = { 'odata.metadata': `${ctx.baseUrl}/$metadata#tasks`, value };
    if (more && last !== undefined) {
      const next = new URL(`${ctx.baseUrl}/jobs/${job.id}/tasks`);
      next.searchParams.set('api-version', ctx.query.get('api-version')!);
      for (const p of ['$filter', '$select', 'maxresults']) if (ctx.query.has(p)) next.searchParams.set(p, ctx.query.get(p)!);
      next.searchParams.set('$skiptoken', encodeSkipToken(last));
      body['odata.nextLink'] = next.toString();
    }
    return { status: 200, body };
  },
  Task_Get(ctx) {
    const job = findJob(ctx);
    const task = job.tasks.get(ctx.params.taskId!.toLowerCase());
    if (!task) throw new BatchServiceError('TaskNotFound');
    return {
      status: 200,
      body: elementBody(ctx, 'tasks', renderTask(task, job, ctx.baseUrl)),
      headers: { ETag: task.eTag, 'Last-Modified': new Date(task.lastModified).toUTCString() },
    };
  },
};
