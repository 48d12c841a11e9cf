import path from 'node:path';
import { backoffDelay, sleep } from '@mxn/async';
import {
  formatDuration,
  shouldRetry,
  type AttemptFailure,
  type ComputeLimits,
  type TaskEvent,
  type TaskOutcome,
  type TaskSpec,
  type TaskState,
} from '@mxn/core';
import type { Store } from '@mxn/storage';
import type { ResolvedOptions } from './options.js';
import type { PreparedTask, TaskRuntime } from './runtimes/runtime.js';
import type { AttemptResult } from './spawn-attempt.js';
import { tailLines } from './stderr-tail.js';
import { taskFolders, type TaskFolders } from './task-folders.js';

/** What every task of one run shares. */
export interface RunContext {
  store: Store;
  limits: ComputeLimits;
  options: ResolvedOptions;
  signal: AbortSignal;
  /** How attempts start: containers or host processes. */
  runtime: TaskRuntime;
  emit(task: TaskSpec, state: TaskState, attempt: number, extra?: Pick<TaskEvent, 'exitCode' | 'message'>): void;
}

type AttemptEnd =
  | { ok: true }
  | { ok: false; cancelled: boolean; message: string; exitCode?: number; error: string; failure: AttemptFailure };

/**
 * Runs one task to its end: attempts with retries and backoff, emitting `running`, `retrying`
 * and exactly one terminal event. Never rejects: every problem becomes the task's outcome.
 */
export async function runTask(context: RunContext, task: TaskSpec): Promise<TaskOutcome> {
  const { limits, options, signal } = context;
  let startedAt: Date | undefined;
  let attempt = 0;
  let folders: TaskFolders | undefined;
  let prepared: PreparedTask | undefined;
  const finish = (status: TaskOutcome['status'], extra: Partial<TaskOutcome> = {}): TaskOutcome => {
    const finishedAt = new Date();
    return {
      taskId: task.id,
      kind: task.kind,
      status,
      attempts: attempt,
      startedAt,
      finishedAt: startedAt ? finishedAt : undefined,
      durationMs: startedAt ? finishedAt.getTime() - startedAt.getTime() : 0,
      ...extra,
    };
  };
  const cancelled = () => {
    context.emit(task, 'cancelled', Math.max(1, attempt), { message: 'cancelled' });
    return finish('cancelled', { error: 'cancelled' });
  };

  try {
    for (;;) {
      if (signal.aborted) return cancelled();
      attempt += 1;
      startedAt ??= new Date();
      context.emit(task, 'running', attempt);
      if (!prepared) {
        // A task that cannot start at all (its image does not build) fails at once, without retries.
        const ready = await context.runtime.prepare(task, signal).then(
          (value) => ({ value }),
          (error: Error) => ({ error }),
        );
        if (signal.aborted) return cancelled();
        if ('error' in ready) {
          context.emit(task, 'failed', attempt, { message: ready.error.message.split('\n')[0]! });
          return finish('failed', { error: ready.error.message });
        }
        prepared = ready.value;
      }
      folders ??= await taskFolders(context.store, task, options);
      const end = await runAttempt(context, task, folders, prepared, attempt);
      if (end.ok) {
        context.emit(task, 'succeeded', attempt, { exitCode: 0 });
        return finish('succeeded', { exitCode: 0 });
      }
      if (end.cancelled || signal.aborted) return cancelled();
      if (!shouldRetry(limits, end.failure, attempt)) {
        context.emit(task, 'failed', attempt, { exitCode: end.exitCode, message: end.message });
        return finish('failed', { exitCode: end.exitCode, error: end.error });
      }
      const delay = backoffDelay(attempt, { baseMs: options.retryBaseMs, maxMs: options.retryMaxMs });
      context.emit(task, 'retrying', attempt, {
        exitCode: end.exitCode,
        message: `${end.message}; attempt ${attempt + 1} of ${limits.retries + 1} in ${formatDuration(delay)}`,
      });
      await sleep(delay, signal);
    }
  } catch (error) {
    // Attempts report their own problems; this is only reached when no temporary folder can be made.
    const message = `could not make the task's folders: ${(error as Error).message}`;
    context.emit(task, 'failed', Math.max(1, attempt), { message });
    return finish('failed', { error: message });
  } finally {
    await folders?.dispose().catch(() => undefined);
  }
}

async function runAttempt(
  context: RunContext,
  task: TaskSpec,
  folders: TaskFolders,
  prepared: PreparedTask,
  attempt: number,
): Promise<AttemptEnd> {
  const { options, signal } = context;
  try {
    await folders.prepare(signal);
  } catch (error) {
    const message = `staging the inputs failed: ${(error as Error).message}`;
    return { ok: false, cancelled: false, message, error: message, failure: 'infrastructure' };
  }
  const stderrFile = path.join(folders.outputDir, 'stderr.txt');
  const result = await prepared
    .attempt({
      inputDir: folders.inputDir,
      outputDir: folders.outputDir,
      stdoutFile: path.join(folders.outputDir, 'stdout.txt'),
      stderrFile,
      env: task.env,
      attempt,
      timeoutMs: context.limits.timeoutMs,
      killGraceMs: options.killGraceMs,
      signal,
    })
    .catch((error: unknown): AttemptResult => ({ kind: 'notStarted', error: error as Error }));
  if (result.kind === 'cancelled')
    return { ok: false, cancelled: true, message: 'cancelled', error: 'cancelled', failure: 'infrastructure' };

  try {
    await folders.publish();
  } catch (error) {
    const message = `uploading the outputs failed: ${(error as Error).message}`;
    return { ok: false, cancelled: false, message, error: message, failure: 'infrastructure' };
  }
  if (result.kind === 'exited' && result.exitCode === 0) return { ok: true };

  const message = describe(result, task, prepared.where, context.limits.timeoutMs);
  const tail = await tailLines(stderrFile, options.stderrTailLines);
  return {
    ok: false,
    cancelled: false,
    message,
    exitCode: result.kind === 'exited' ? result.exitCode : undefined,
    error: tail ? `${message}\n${tail}` : message,
    failure: result.kind === 'timedOut' ? 'timeout' : 'model',
  };
}

function describe(result: Exclude<AttemptResult, { kind: 'cancelled' }>, task: TaskSpec, where: string, timeoutMs: number): string {
  switch (result.kind) {
    case 'exited':
      return `exit code ${result.exitCode}`;
    case 'killed':
      return `killed by ${result.signal}`;
    case 'timedOut':
      return `timed out after ${formatDuration(timeoutMs)}`;
    case 'notStarted':
      return `could not start ${JSON.stringify(task.command[0] ?? '')} in ${where}: ${result.error.message}`;
  }
}
