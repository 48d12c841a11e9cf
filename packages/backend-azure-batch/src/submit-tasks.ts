/**
 * Adds tasks with `addTaskCollection`: chunks of at most 100 tasks and under 1 MiB, several in flight,
 * each task's result handled on its own — `serverError` resubmitted, `TaskExists` counted as submitted
 * (re-attach), a chunk refused as `RequestBodyTooLarge` split in two.
 */
import type { BatchServiceModels } from '@azure/batch';
import { backoffDelay, runPool, sleep } from '@mxn/async';
import { BackendError } from '@mxn/core';
import { addTaskCollection, taskJson } from './add-collection.js';
import { batchErrorCode, batchErrorText, safeCause, type BatchClient } from './client.js';
import type { TaskBody } from './task-bodies.js';

const MAX_TASKS_PER_CALL = 100;
/** The service refuses bodies of 1 MiB and more; keep a margin for the envelope. */
const MAX_BODY_BYTES = 1024 * 1024 - 8 * 1024;

export interface SubmitOptions {
  /** add-collection calls in flight at once. Default 8. */
  concurrency?: number;
  /** Rounds of resubmitting tasks the service answered `serverError` for. Default 5. */
  serverErrorRounds?: number;
  signal?: AbortSignal;
}

export interface SubmitResult {
  added: number;
  /** Tasks that already existed (a re-attached run). */
  existed: number;
  calls: number;
}

/** Splits bodies into chunks of ≤ 100 tasks whose JSON stays under the size limit. */
export function chunkTasks(bodies: TaskBody[], maxBytes = MAX_BODY_BYTES): TaskBody[][] {
  const chunks: TaskBody[][] = [];
  let current: TaskBody[] = [];
  let bytes = 16;
  for (const body of bodies) {
    const size = Buffer.byteLength(taskJson(body)) + 1;
    if (current.length > 0 && (current.length >= MAX_TASKS_PER_CALL || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 16;
    }
    current.push(body);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export async function submitTasks(
  client: BatchClient,
  jobId: string,
  bodies: TaskBody[],
  options: SubmitOptions = {},
): Promise<SubmitResult> {
  const result: SubmitResult = { added: 0, existed: 0, calls: 0 };
  let queue = chunkTasks(bodies);
  const retryLater: TaskBody[] = [];
  const rounds = options.serverErrorRounds ?? 5;

  const addChunk = async (chunk: TaskBody[]): Promise<void> => {
    result.calls++;
    let answer: BatchServiceModels.TaskAddCollectionResponse;
    try {
      answer = await addTaskCollection(client, jobId, chunk, options.signal ? { abortSignal: options.signal } : {});
    } catch (error) {
      if (batchErrorCode(error) === 'RequestBodyTooLarge' && chunk.length > 1) {
        const half = Math.ceil(chunk.length / 2);
        queue.push(chunk.slice(0, half), chunk.slice(half));
        return;
      }
      throw new BackendError(`azure-batch: adding tasks to job ${jobId} failed: ${batchErrorText(error)}`, { cause: safeCause(error) });
    }
    const byId = new Map(chunk.map((body) => [body.id, body]));
    const refused: string[] = [];
    for (const task of answer.value ?? []) {
      if (task.status === 'success') result.added++;
      else if (task.error?.code === 'TaskExists') result.existed++;
      else if (task.status === 'servererror') retryLater.push(byId.get(task.taskId)!);
      else refused.push(`${task.taskId}: ${task.error?.code ?? task.status}`);
    }
    if (refused.length > 0)
      throw new BackendError(
        `azure-batch: the service refused tasks (${refused.slice(0, 5).join(', ')}${refused.length > 5 ? ', …' : ''})`,
      );
  };

  for (let round = 0; ; round++) {
    // A chunk split in two pushes its halves onto `queue`, and the pool picks them up.
    await runPool(queue, options.concurrency ?? 8, addChunk);
    if (retryLater.length === 0) return result;
    if (round >= rounds)
      throw new BackendError(`azure-batch: ${retryLater.length} tasks kept failing with serverError after ${rounds} resubmissions`);
    await sleep(backoffDelay(round + 1, { baseMs: 200, maxMs: 5000, jitter: 0 }), options.signal);
    queue = chunkTasks(retryLater.splice(0));
  }
}
