/** One run on Azure Batch: pool, job, staged manifest, task submission, watching, cleanup. */
import { retry, runPool, sleep } from '@mxn/async';
import {
  BackendError,
  cancelledRun,
  exitCodeRetries,
  type RunOptions,
  type RunOutcome,
  type RunSpec,
  type TaskEvent,
  type TaskSpec,
} from '@mxn/core';
import { listAll, openStore, type Store } from '@mxn/storage';
import { writeAggregateInputs } from './aggregate-inputs.js';
import { batchErrorCode, batchErrorText, safeCause, type BatchClient } from './client.js';
import { jobIdFor } from './ids.js';
import { taskImages } from '@mxn/images';
import type { AzureBatchBackendOptions } from './options.js';
import { outcomeOf, storedExitCode } from './outcomes.js';
import type { NodeImage } from './node-image.js';
import { DEFAULT_POOL_ID, DEFAULT_VM_SIZE, RunPool, poolSpecification, type PoolImageCheck, type PoolSettings } from './pool.js';
import { stagingSas } from './staging-sas.js';
import { submitTasks } from './submit-tasks.js';
import { aggregateTaskBody, CELL_INPUT_DIR, cellTaskBody, exitCodeKey, type TaskBodySettings } from './task-bodies.js';
import { assignTaskIds, cellRangeEnd, listJobTasks, type AssignedTask, type JobTasks } from './task-ids.js';
import { TaskWatcher } from './watch-tasks.js';

export async function runOnBatch(
  client: BatchClient,
  options: AzureBatchBackendOptions,
  spec: RunSpec,
  runOptions: RunOptions,
  /** The nodes' VM image (chosen once per backend). */
  nodeImage: () => Promise<NodeImage>,
  /** Checks an existing pool's image against the account's supported images (see `RunPool.open`). */
  poolCheck?: PoolImageCheck,
): Promise<RunOutcome> {
  checkSpec(spec);
  const emit = (event: TaskEvent) => runOptions.onEvent?.(event);
  const signal = runOptions.signal;
  const specs = [...spec.tasks, ...(spec.aggregate ? [spec.aggregate] : [])];
  const queuedAll = () => {
    for (const task of specs) emit({ taskId: task.id, kind: task.kind, state: 'queued', attempt: 1, at: new Date() });
  };

  if (signal?.aborted) return cancelledRun(spec, emit);

  const store = await (options.openStore ?? ((uri: string) => openStore(uri)))(spec.stagingUri);
  const timeoutMs = spec.limits.timeoutMs;
  const lifetime =
    options.sasLifetimeSeconds ??
    Math.min(7 * 86_400, Math.max(3600, Math.ceil((2 * (timeoutMs || 3_600_000) * (spec.limits.retries + 1)) / 1000)));
  const sas = await stagingSas(store, lifetime, { containerRead: spec.aggregate !== undefined });
  const images = await taskImages(specs, options.registryPrefix);

  const slots = options.taskSlotsPerNode ?? 1;
  const concurrency = options.concurrency ?? spec.limits.concurrency;
  const poolSettings: PoolSettings = {
    poolId: options.poolId ?? DEFAULT_POOL_ID,
    vmSize: options.vmSize ?? DEFAULT_VM_SIZE,
    maxNodes: options.maxNodes ?? Math.max(1, Math.ceil(concurrency / slots)),
    taskSlotsPerNode: slots,
    spot: options.spot ?? false,
    nodeImage: await nodeImage(),
    images: [...new Set(images.values())],
    ...(options.registry
      ? {
          registry: {
            registryServer: options.registry.registryServer,
            ...(options.registry.userName ? { username: options.registry.userName } : {}),
            ...(options.registry.password ? { password: options.registry.password } : {}),
            ...(options.registry.identityReference ? { identityReference: options.registry.identityReference } : {}),
          },
        }
      : {}),
  };
  const autoPool = options.autoPool ?? false;
  const jobId = jobIdFor(spec.runId);
  const bodySettings = (task: TaskSpec): TaskBodySettings => ({
    sas,
    image: images.get(task)!,
    retries: exitCodeRetries(spec.limits),
    timeoutMs,
    workingDirectory: options.workingDirectory === 'task' ? 'taskWorkingDirectory' : 'containerImageDefault',
  });

  const pool = autoPool ? undefined : await RunPool.open(client, poolSettings, poolCheck);
  const { reattached } = await addJob(
    client,
    jobId,
    autoPool
      ? {
          autoPoolSpecification: {
            autoPoolIdPrefix: 'mxn',
            poolLifetimeOption: 'job',
            keepAlive: false,
            pool: poolSpecification(poolSettings),
          },
        }
      : { poolId: poolSettings.poolId },
    options.concurrency,
  );
  queuedAll();

  let runPool = pool;
  let watcher: TaskWatcher | undefined;
  const keepJob = options.keepJob ?? false;
  let detached = false;
  // Cells keyed by their Batch ids: 1..N on a first run; on re-attach, the ids the job's tasks already have (by cell id).
  let cells: AssignedTask[] = [];
  try {
    const job: JobTasks = reattached ? await listJobTasks(client, jobId) : { byCell: new Map(), ids: new Set() };
    cells = assignTaskIds(spec.tasks, job);
    const all = [...cells, ...(spec.aggregate ? [{ batchId: 'aggregate', spec: spec.aggregate }] : [])];
    const complete = reattached && (await client.job.get(jobId)).onAllTasksComplete === 'terminatejob';
    if (!reattached) await clearOutputs(store, spec.tasks);
    let cellOutputs: string[] = [];
    if (spec.aggregate && !complete) cellOutputs = await writeAggregateInputs(store, spec, sas.blobName);
    if (!complete) {
      const missing = cells.filter((cell) => !cell.exists);
      const bodies = await Promise.all(
        missing.map(async (cell) =>
          cellTaskBody(
            Number(cell.batchId),
            cell.spec,
            bodySettings(cell.spec),
            await sas.inputFiles(cell.spec.inputPrefix, CELL_INPUT_DIR),
          ),
        ),
      );
      // The aggregate depends on every cell task in the job, cached cells' tasks from an earlier process included.
      if (spec.aggregate && !job.ids.has('aggregate'))
        bodies.push(aggregateTaskBody(spec.aggregate, cellRangeEnd(job, cells), cellOutputs, bodySettings(spec.aggregate)));
      await submitTasks(client, jobId, bodies, { concurrency: options.submitConcurrency ?? 8, ...(signal ? { signal } : {}) });
      await client.job.patch(jobId, { onAllTasksComplete: 'terminatejob' });
    }
    if (autoPool) {
      const job = await client.job.get(jobId);
      if (job.executionInfo?.poolId) runPool = RunPool.attached(client, job.executionInfo.poolId, poolSettings);
    }
    await runPool?.scaleNow(all.length);

    watcher = new TaskWatcher(client, jobId, all, {
      emit,
      timeoutMs,
      previousExitCode: (task) => storedExitCode(store, task.outputPrefix),
    });
    const pollMs = options.pollIntervalMs ?? 5000;
    while (!signal?.aborted) {
      await watcher.poll();
      if (watcher.done) break;
      await runPool?.maintain(watcher.counts?.active ?? 0);
      await sleep(pollMs, signal);
    }
    if (signal?.aborted) {
      if (options.detachOnAbort) {
        detached = true;
        watcher.cancelRemaining('detached: the job keeps running; run again to re-attach');
      } else {
        await client.job.terminate(jobId).catch((error: unknown) => {
          if (!['JobCompleted', 'JobNotFound'].includes(batchErrorCode(error) ?? '')) throw error;
        });
        watcher.cancelRemaining('cancelled');
      }
    }
  } finally {
    if (!detached) {
      await runPool?.settle().catch(() => undefined);
      if (!keepJob) await client.job.deleteMethod(jobId).catch(() => undefined);
    }
  }

  const lines = options.stderrTailLines ?? 20;
  const outcomes = await Promise.all(cells.map((cell) => outcomeOf(watcher!.tasks.get(cell.batchId)!, store, lines)));
  const aggregate = spec.aggregate ? await outcomeOf(watcher!.tasks.get('aggregate')!, store, lines) : undefined;
  return { runId: spec.runId, tasks: outcomes, ...(aggregate ? { aggregate } : {}), cancelled: signal?.aborted ?? false };
}

function checkSpec(spec: RunSpec): void {
  const ids = new Set<string>();
  for (const task of [...spec.tasks, ...(spec.aggregate ? [spec.aggregate] : [])]) {
    if (ids.has(task.id)) throw new BackendError(`azure-batch: task id ${task.id} appears twice`);
    ids.add(task.id);
    if (task.command.length === 0) throw new BackendError(`azure-batch: task ${task.id} has no command`);
  }
}

/** Adds the job, or finds the one an earlier process added for the same run (re-attach). */
async function addJob(
  client: BatchClient,
  jobId: string,
  poolInfo: { poolId?: string; autoPoolSpecification?: object },
  maxParallelTasks: number | undefined,
): Promise<{ reattached: boolean }> {
  const add = () =>
    client.job.add({
      id: jobId,
      poolInfo: poolInfo as never,
      usesTaskDependencies: true,
      onAllTasksComplete: 'noaction',
      onTaskFailure: 'noaction',
      ...(maxParallelTasks ? { maxParallelTasks } : {}),
      metadata: [{ name: 'mxn-run', value: jobId }],
    });
  try {
    // The same run's job from an earlier, finished run may still be being deleted: wait for it, up to 2 minutes.
    await retry(add, {
      attempts: Infinity,
      baseMs: 1000,
      maxMs: 1000,
      jitter: 0,
      maxElapsedMs: 120_000,
      isRetryable: (error) => batchErrorCode(error) === 'JobBeingDeleted',
    });
    return { reattached: false };
  } catch (error) {
    if (batchErrorCode(error) === 'JobExists') return { reattached: true };
    throw new BackendError(`azure-batch: adding job ${jobId} failed: ${batchErrorText(error)}`, { cause: safeCause(error) });
  }
}

/** Removes what an earlier attempt left under the cells' output prefixes, so each run starts empty. */
async function clearOutputs(store: Store, tasks: TaskSpec[]): Promise<void> {
  await runPool(tasks, 16, async (task) => {
    for (const info of await listAll(store, `${task.outputPrefix}/`)) await store.delete(info.key);
    await store.delete(exitCodeKey(task.outputPrefix));
  });
}
