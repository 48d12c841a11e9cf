/** One run on AWS Batch: queue, job definitions, records in staging, submission (or re-attach), watching, cancel. */
import { TerminateJobCommand, type BatchClient, type JobDetail } from '@aws-sdk/client-batch';
import { runPool, sleep } from '@mxn/async';
import { BackendError, cancelledRun, type RunOptions, type RunOutcome, type RunSpec, type TaskEvent, type TaskSpec } from '@mxn/core';
import { taskImages } from '@mxn/images';
import { openStore, type Store } from '@mxn/storage';
import { awsErrorCode } from './client.js';
import { ensureJobDefinitions } from './job-definitions.js';
import type { AwsBatchBackendOptions } from './options.js';
import { openQueue } from './queue.js';
import { finishGeneration, openGeneration } from './run-state.js';
import {
  aggregateEnvironment,
  aggregateJobName,
  attachedGroups,
  findJobs,
  planGroups,
  rescueJobName,
  submitAggregate,
  submitCellGroups,
  submitRescue,
  type SubmitContext,
} from './submit-jobs.js';
import { JobWatcher } from './watch-jobs.js';

/** Most children of one array job (AWS Batch's limit). */
export const MAX_ARRAY_SIZE = 10_000;

/** What a run did besides its events, for tests and the bench. */
export interface RunReport {
  /** Jobs submitted by this call (0 when it re-attached to every job). */
  submitted: number;
  /** ms from the call to the last submission (queue, definitions, records, SubmitJob). */
  submitMs: number;
  /** Calls each progress poll made. */
  pollCalls: number[];
}

export async function runOnAwsBatch(
  client: BatchClient,
  options: AwsBatchBackendOptions,
  spec: RunSpec,
  runOptions: RunOptions,
  report?: (done: RunReport) => void,
): Promise<RunOutcome> {
  checkSpec(spec);
  const started = performance.now();
  const emit = (event: TaskEvent) => runOptions.onEvent?.(event);
  const signal = runOptions.signal;
  const all = [...spec.tasks, ...(spec.aggregate ? [spec.aggregate] : [])];
  const queuedAll = () => {
    for (const task of all) emit({ taskId: task.id, kind: task.kind, state: 'queued', attempt: 1, at: new Date() });
  };
  if (signal?.aborted) return cancelledRun(spec, emit);

  const store = await (options.openStore ?? ((uri: string) => openStore(uri)))(spec.stagingUri);
  checkStore(store);
  const { limits } = spec;
  const urlLifetime =
    options.urlLifetimeSeconds ??
    Math.min(7 * 86_400, Math.max(3600, Math.ceil((2 * (limits.timeoutMs || 3_600_000) * (limits.retries + 1)) / 1000)));
  const images = await taskImages(all, options.registryPrefix);
  const queue = await openQueue(client, options, options.concurrency ?? limits.concurrency);
  const definitions = await ensureJobDefinitions(client, [...new Set(images.values())], {
    vcpus: options.vcpus ?? 1,
    memory: options.memory ?? 2048,
    ...(options.gpus ? { gpus: options.gpus } : {}),
    ...(options.jobRoleArn ? { jobRoleArn: options.jobRoleArn } : {}),
    ...(options.executionRoleArn ? { executionRoleArn: options.executionRoleArn } : {}),
    platform: queue.platform,
  });
  const { generation, fresh } = await openGeneration(store, spec.runId);
  const context: SubmitContext = {
    client,
    store,
    spec,
    queue: queue.queue,
    generation,
    definitions,
    images,
    urlLifetime,
    ...(signal ? { signal } : {}),
  };
  const existing = fresh ? new Map() : await findJobs(client, queue.queue, spec.runId, generation);
  // Re-attach: the jobs found keep their cells (by the cell list beside their records); the rest is grouped anew.
  const attached = existing.size > 0 ? await attachedGroups(context, existing) : { groups: [], rest: spec.tasks };
  const groups = [...attached.groups, ...planGroups(spec, attached.rest, images, generation, options.maxArraySize ?? MAX_ARRAY_SIZE)];
  queuedAll();
  // The aggregate's inputs are written before any job is submitted (they name the cells' bundles, not their jobs).
  const aggregateEnv =
    spec.aggregate && !existing.has(aggregateJobName(context)) ? await aggregateEnvironment(context, spec.aggregate) : [];
  let submitted = await submitCellGroups(context, groups, existing);
  let aggregateJob: string | undefined;
  if (spec.aggregate && !signal?.aborted) {
    const result = await submitAggregate(context, spec.aggregate, groups, existing, aggregateEnv);
    aggregateJob = result.jobId;
    submitted += result.submitted;
  }
  const submitMs = performance.now() - started;
  // Re-attach after the aggregate was rescued: follow the rescue job (the first one stays failed), never submit another.
  const rescueJob = aggregateJob ? existing.get(rescueJobName(context))?.jobId : undefined;

  const watcher = new JobWatcher(
    client,
    groups.filter((group) => group.jobId),
    spec.aggregate && aggregateJob
      ? { spec: spec.aggregate, jobId: rescueJob ?? aggregateJob, ...(rescueJob ? { rescued: true } : {}) }
      : undefined,
    {
      store,
      timeoutMs: limits.timeoutMs,
      stderrLines: options.stderrTailLines ?? 20,
      emit,
      rescue: (failed: JobDetail) =>
        submitRescue(
          context,
          {
            ...(failed.jobDefinition ? { jobDefinition: failed.jobDefinition } : {}),
            ...(failed.container?.environment ? { environment: failed.container.environment } : {}),
          },
          {
            ...(failed.retryStrategy ? { retryStrategy: failed.retryStrategy } : {}),
            ...(failed.timeout ? { timeout: failed.timeout } : {}),
          },
        ),
    },
  );
  const pollCalls: number[] = [];
  let detached = false;
  const pollMs = options.pollIntervalMs ?? 5000;
  while (!signal?.aborted) {
    await watcher.poll();
    pollCalls.push(watcher.lastPollCalls);
    if (watcher.done) break;
    await sleep(pollMs, signal);
  }
  if (signal?.aborted) {
    if (options.detachOnAbort) {
      detached = true;
      watcher.cancelRemaining('detached: the jobs keep running; run again to re-attach');
    } else {
      await terminate(client, watcher.jobIds(), 'cancelled by mxn');
      watcher.cancelRemaining('cancelled');
    }
  }
  if (!detached) await finishGeneration(store, spec.runId, generation);
  report?.({ submitted, submitMs, pollCalls });

  const outcomeOf = (task: TaskSpec) => watcher.tasks.get(task.id)!.outcome!;
  return {
    runId: spec.runId,
    tasks: spec.tasks.map(outcomeOf),
    ...(spec.aggregate ? { aggregate: outcomeOf(spec.aggregate) } : {}),
    cancelled: signal?.aborted ?? false,
  };
}

/** TerminateJob on every job (an array job's children with it); a job that already ended is fine. */
export async function terminate(client: BatchClient, jobIds: string[], reason: string): Promise<void> {
  await runPool(jobIds, 8, async (jobId) => {
    await client.send(new TerminateJobCommand({ jobId, reason })).catch((error: unknown) => {
      if (awsErrorCode(error) !== 'ClientException') throw error;
    });
  });
}

function checkSpec(spec: RunSpec): void {
  const ids = new Set<string>();
  for (const task of [...spec.tasks, ...(spec.aggregate ? [spec.aggregate] : [])]) {
    if (ids.has(task.id)) throw new BackendError(`aws-batch: task id ${task.id} appears twice`);
    ids.add(task.id);
    if (task.command.length === 0) throw new BackendError(`aws-batch: task ${task.id} has no command`);
  }
}

function checkStore(store: Store): void {
  if (!store.uri.startsWith('s3://') || !store.signedUrl) {
    throw new BackendError(`aws-batch needs an S3 staging store its tasks can reach, not ${store.uri}`, {
      code: 'Config',
      hint: 'set compute.staging (or MXN_STAGING) to s3://bucket/prefix',
    });
  }
}
