/** TaskOutcomes from the watched tasks: exit code, Batch failure info and the tail of the uploaded stderr. */
import type { TaskOutcome } from '@mxn/core';
import { joinKey, type Store } from '@mxn/storage';
import { redact } from '@mxn/storage';
import { failureInfoLine, isInfrastructureFailure } from './failure-info.js';
import { exitCodeKey } from './task-bodies.js';
import type { WatchedTask } from './watch-tasks.js';

/** The last `lines` lines of a stored text object (reading at most its last 64 KiB); `''` when missing. */
async function storedTail(store: Store, key: string, lines: number, maxBytes = 64 * 1024): Promise<string> {
  if (lines <= 0) return '';
  const info = await store.head(key).catch(() => undefined);
  if (!info || info.size === 0) return '';
  const start = Math.max(0, info.size - maxBytes);
  const chunks: Buffer[] = [];
  for await (const chunk of await store.read(key, start > 0 ? { start } : {})) chunks.push(Buffer.from(chunk as Uint8Array));
  const all = Buffer.concat(chunks).toString('utf8').replace(/\s+$/, '').split(/\r?\n/);
  const whole = start > 0 && all.length > 1 ? all.slice(1) : all;
  return whole.slice(-lines).join('\n');
}

/** The exit code an attempt recorded (`<outputPrefix>.exit_code`), when there is one. */
export async function storedExitCode(store: Store, outputPrefix: string): Promise<number | undefined> {
  const info = await store.head(exitCodeKey(outputPrefix));
  if (!info) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of await store.read(exitCodeKey(outputPrefix))) chunks.push(Buffer.from(chunk as Uint8Array));
  const code = Number(Buffer.concat(chunks).toString('utf8').trim());
  return Number.isInteger(code) ? code : undefined;
}

export async function outcomeOf(task: WatchedTask, store: Store, stderrLines: number): Promise<TaskOutcome> {
  const exec = task.info?.executionInfo;
  const startedAt = exec?.startTime;
  const finishedAt = exec?.endTime;
  const status = task.terminal ?? 'cancelled';
  const outcome: TaskOutcome = {
    taskId: task.spec.id,
    kind: task.spec.kind,
    status,
    attempts: status === 'cancelled' && !task.running && !exec ? 0 : task.attempt,
    ...(startedAt ? { startedAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
    durationMs: startedAt && finishedAt ? finishedAt.getTime() - startedAt.getTime() : 0,
    ...(exec?.exitCode !== undefined && status !== 'cancelled' ? { exitCode: exec.exitCode } : {}),
  };
  if (status === 'failed') {
    // The first line is the event's message (`exit code 3`, `timed out after 30m`, or Batch's failure
    // info as one line); Batch's failure info follows when that line does not already say it.
    const failure = exec?.failureInfo;
    const info =
      failure && failure.code !== 'FailureExitCode' && !(task.message ?? '').includes(failure.code ?? failure.category)
        ? failureInfoLine(exec)
        : undefined;
    const tail = await storedTail(store, joinKey(task.spec.outputPrefix, 'stderr.txt'), stderrLines).catch(() => '');
    // SAS signatures masked in all of it: Batch's details quote blob URLs, and the error is published (results, PR comments).
    outcome.error = redact([task.message ?? 'failed', info, tail].filter(Boolean).join('\n'));
    if (isInfrastructureFailure(exec)) outcome.infrastructure = true;
  } else if (status === 'cancelled') {
    outcome.error = task.message ?? 'cancelled';
  }
  return outcome;
}
