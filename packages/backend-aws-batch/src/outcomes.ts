/** What a collected bundle (or a job Batch failed) means for a cell: its events and its TaskOutcome. */
import { formatDuration, type TaskEvent, type TaskOutcome, type TaskSpec, type TaskState } from '@mxn/core';
import { redact } from '@mxn/storage';
import type { AttemptKind, Bundle } from './bundle.js';

/** One task as the watcher follows it. */
export interface WatchedTask {
  spec: TaskSpec;
  attempt: number;
  running: boolean;
  terminal?: Extract<TaskState, 'succeeded' | 'failed' | 'cancelled'>;
  outcome?: TaskOutcome;
}

export type Emit = (task: WatchedTask, state: TaskState, extra?: Pick<TaskEvent, 'exitCode' | 'message' | 'infrastructure'>) => void;

/** What an attempt's kind says, in one line. */
function attemptMessage(kind: AttemptKind, code: number | undefined, timeoutMs: number): string {
  if (kind === 'timeout') return `timed out after ${formatDuration(timeoutMs)}`;
  if (kind === 'infrastructure') return 'the inputs could not be downloaded';
  return code === undefined ? 'failed' : `exit code ${code}`;
}

/** The last `lines` lines of a text file of the bundle. */
function tail(bundle: Bundle, path: string, lines: number): string {
  const file = bundle.files.find((entry) => entry.path === path);
  if (!file || lines <= 0) return '';
  return file.data
    .subarray(-64 * 1024)
    .toString('utf8')
    .replace(/\s+$/, '')
    .split(/\r?\n/)
    .slice(-lines)
    .join('\n');
}

/** Emits a task's attempts from its bundle (running, retrying, …, then its terminal state) and sets its outcome. */
export function settleFromBundle(
  task: WatchedTask,
  bundle: Bundle,
  times: { startedAt?: number; stoppedAt?: number },
  settings: { timeoutMs: number; stderrLines: number },
  emit: Emit,
): void {
  const attempts = bundle.attempts.length > 0 ? bundle.attempts : [{ kind: 'infrastructure' as const }];
  attempts.forEach((attempt, index) => {
    if (!task.running) {
      task.running = true;
      emit(task, 'running');
    }
    if (index === attempts.length - 1) return;
    const message = attemptMessage(attempt.kind, attempt.code, settings.timeoutMs);
    emit(task, 'retrying', { message, ...(attempt.code !== undefined && attempt.kind === 'model' ? { exitCode: attempt.code } : {}) });
    task.attempt++;
    task.running = false;
  });
  const last = attempts[attempts.length - 1]!;
  const code = last.kind === 'model' || last.kind === 'ok' ? last.code : undefined;
  const outcome: TaskOutcome = {
    taskId: task.spec.id,
    kind: task.spec.kind,
    status: last.kind === 'ok' ? 'succeeded' : 'failed',
    attempts: task.attempt,
    ...timesOf(times),
    ...(code !== undefined ? { exitCode: code } : {}),
  };
  if (last.kind === 'ok') {
    end(task, outcome, emit, code !== undefined ? { exitCode: code } : {});
    return;
  }
  const message = attemptMessage(last.kind, last.code, settings.timeoutMs);
  outcome.error = redact([message, tail(bundle, 'stderr.txt', settings.stderrLines)].filter(Boolean).join('\n'));
  if (last.kind === 'infrastructure') outcome.infrastructure = true;
  end(task, outcome, emit, {
    message,
    ...(code !== undefined ? { exitCode: code } : {}),
    ...(last.kind === 'infrastructure' ? { infrastructure: true } : {}),
  });
}

/** A task whose job Batch failed (the wrapper never uploaded): a platform failure, with Batch's reason. */
export function settleAsPlatformFailure(
  task: WatchedTask,
  reason: string,
  times: { startedAt?: number; stoppedAt?: number },
  emit: Emit,
): void {
  if (!task.running && times.startedAt !== undefined) {
    task.running = true;
    emit(task, 'running');
  }
  const message = redact(reason);
  end(
    task,
    {
      taskId: task.spec.id,
      kind: task.spec.kind,
      status: 'failed',
      attempts: task.attempt,
      ...timesOf(times),
      error: message,
      infrastructure: true,
    },
    emit,
    {
      message,
      infrastructure: true,
    },
  );
}

/** Ends a task that never finished: cancelled. */
export function settleCancelled(task: WatchedTask, message: string, emit: Emit): void {
  const ran = task.running;
  end(
    task,
    { taskId: task.spec.id, kind: task.spec.kind, status: 'cancelled', attempts: ran ? task.attempt : 0, durationMs: 0, error: message },
    emit,
    {
      message,
    },
  );
}

function end(
  task: WatchedTask,
  outcome: Omit<TaskOutcome, 'durationMs'> & { durationMs?: number },
  emit: Emit,
  extra: Parameters<Emit>[2],
): void {
  task.terminal = outcome.status;
  task.outcome = { durationMs: 0, ...outcome };
  emit(task, outcome.status, extra);
}

function timesOf(times: { startedAt?: number; stoppedAt?: number }): Pick<TaskOutcome, 'startedAt' | 'finishedAt' | 'durationMs'> {
  const startedAt = times.startedAt !== undefined ? new Date(times.startedAt) : undefined;
  const finishedAt = times.stoppedAt !== undefined ? new Date(times.stoppedAt) : undefined;
  return {
    ...(startedAt ? { startedAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
    durationMs: startedAt && finishedAt ? Math.max(0, finishedAt.getTime() - startedAt.getTime()) : 0,
  };
}
