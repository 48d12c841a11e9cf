import type { RunOutcome, RunSpec, TaskEvent, TaskSpec } from './backend.js';

const MESSAGE = 'cancelled before it started';

/**
 * The answer of a backend whose run is cancelled before it starts (the signal was already aborted): every task
 * queued then cancelled, in events, and an outcome with every task cancelled after 0 attempts.
 */
export function cancelledRun(spec: RunSpec, emit: (event: TaskEvent) => void): RunOutcome {
  const all = [...spec.tasks, ...(spec.aggregate ? [spec.aggregate] : [])];
  for (const task of all) emit({ taskId: task.id, kind: task.kind, state: 'queued', attempt: 1, at: new Date() });
  for (const task of all) emit({ taskId: task.id, kind: task.kind, state: 'cancelled', attempt: 1, at: new Date(), message: MESSAGE });
  const cancelled = (task: TaskSpec) => ({
    taskId: task.id,
    kind: task.kind,
    status: 'cancelled' as const,
    attempts: 0,
    durationMs: 0,
    error: MESSAGE,
  });
  return {
    runId: spec.runId,
    tasks: spec.tasks.map(cancelled),
    ...(spec.aggregate ? { aggregate: cancelled(spec.aggregate) } : {}),
    cancelled: true,
  };
}
