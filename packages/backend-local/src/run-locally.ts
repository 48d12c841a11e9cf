import { runPool } from '@mxn/async';
import { BackendError, type RunOptions, type RunOutcome, type RunSpec, type TaskEvent, type TaskOutcome, type TaskSpec } from '@mxn/core';
import { openStore } from '@mxn/storage';
import { stageAggregateInput } from './aggregate-input.js';
import { checkSpec } from './check-spec.js';
import { positive, type ResolvedOptions } from './options.js';
import { runTask, type RunContext } from './run-task.js';
import { containerRuntime } from './runtimes/container-runtime.js';
import { processRuntime } from './runtimes/process-runtime.js';
import type { TaskRuntime } from './runtimes/runtime.js';
import { taskBaseEnv } from './task-env.js';

/**
 * One run on this machine: `queued` for every task (and the aggregate) first, then the cell tasks
 * with bounded concurrency, then — unless the run was cancelled — the aggregate once.
 * Resolves with every task's outcome; rejects only when the spec or its staging store is unusable.
 */
export async function runLocally(spec: RunSpec, options: ResolvedOptions, runOptions: RunOptions = {}): Promise<RunOutcome> {
  checkSpec(spec);
  const store = await openStore(spec.stagingUri).catch((error: unknown) => {
    throw new BackendError(`local: cannot open the staging store ${spec.stagingUri}: ${(error as Error).message}`, { cause: error });
  });
  const signal = runOptions.signal ?? new AbortController().signal;
  const context: RunContext = {
    store,
    limits: spec.limits,
    options,
    signal,
    runtime: runtimeFor(spec, options),
    emit: eventSender(runOptions.onEvent),
  };

  for (const task of spec.tasks) context.emit(task, 'queued', 1);
  if (spec.aggregate) context.emit(spec.aggregate, 'queued', 1);

  const finished: Array<TaskOutcome | undefined> = [];
  const concurrency = positive(spec.limits.concurrency) ?? options.concurrency;
  let tasks: TaskOutcome[];
  let aggregate: TaskOutcome | undefined;
  try {
    await runPool(
      spec.tasks,
      concurrency,
      async (task, index) => {
        finished[index] = await runTask(context, task);
      },
      signal,
    );
    tasks = spec.tasks.map((task, index) => finished[index] ?? cancelledBeforeStart(context, task));
    aggregate = spec.aggregate ? await runAggregate(context, spec, spec.aggregate, tasks) : undefined;
  } finally {
    await context.runtime.dispose?.();
  }
  const cancelled = tasks.some((task) => task.status === 'cancelled') || aggregate?.status === 'cancelled';
  return { runId: spec.runId, tasks, ...(aggregate ? { aggregate } : {}), cancelled };
}

async function runAggregate(context: RunContext, spec: RunSpec, aggregate: TaskSpec, tasks: TaskOutcome[]): Promise<TaskOutcome> {
  if (context.signal.aborted) return cancelledBeforeStart(context, aggregate);
  try {
    // A container sees only its own mounts, so its cell folders are copies, not links out of the mount.
    await stageAggregateInput(context.store, spec, aggregate, tasks, context.options.transferConcurrency, {
      links: context.runtime.name === 'process',
    });
  } catch (error) {
    const message = `staging the aggregate's inputs failed: ${(error as Error).message}`;
    context.emit(aggregate, 'failed', 1, { message });
    return { taskId: aggregate.id, kind: aggregate.kind, status: 'failed', attempts: 0, durationMs: 0, error: message };
  }
  return runTask(context, aggregate);
}

function runtimeFor(spec: RunSpec, options: ResolvedOptions): TaskRuntime {
  if (options.runtime === 'process') {
    return processRuntime({
      baseEnv: taskBaseEnv(process.env, options.passEnv),
      cwd: options.cwd,
      stateDir: options.stateDir,
      tempDir: options.tempDir,
      log: options.log,
    });
  }
  const network = options.network && !options.untrusted;
  if (options.network && options.untrusted)
    options.log('note: compute.network is ignored for untrusted code: its containers run with no network');
  return containerRuntime({
    engine: options.engine!,
    root: options.root,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.buildNetwork ? { buildNetwork: options.buildNetwork } : {}),
    network,
    workingDirectory: options.workingDirectory,
    runId: spec.runId,
    log: options.log,
  });
}

function cancelledBeforeStart(context: RunContext, task: TaskSpec): TaskOutcome {
  context.emit(task, 'cancelled', 1, { message: 'cancelled before it started' });
  return { taskId: task.id, kind: task.kind, status: 'cancelled', attempts: 0, durationMs: 0, error: 'cancelled before it started' };
}

/** Sends events to the listener; a listener that throws cannot break the run. */
function eventSender(onEvent: RunOptions['onEvent']): RunContext['emit'] {
  let warned = false;
  return (task, state, attempt, extra = {}) => {
    if (!onEvent) return;
    const event: TaskEvent = { taskId: task.id, kind: task.kind, state, attempt, at: new Date(), ...extra };
    try {
      onEvent(event);
    } catch (error) {
      if (!warned)
        process.emitWarning(`local backend: the onEvent listener threw (${(error as Error).message}); later throws are ignored too`);
      warned = true;
    }
  };
}
