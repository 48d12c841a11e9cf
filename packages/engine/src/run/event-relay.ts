/**
 * Passes the backend's task events on to the front end, in order per task, with what a person
 * needs to read a failure: on a cell's `retrying` or `failed` event, the last lines of its stderr
 * (read once, from where the run keeps the logs), after keeping a retried attempt's logs for
 * `mxn logs --attempt`. With `onOutput`, the one running cell's output is passed on as it is written.
 */
import type { TaskEvent } from '@mxn/core';
import type { Store } from '@mxn/storage';
import { keepAttemptLogs, stderrTail } from './cell-logs.js';
import { followCellOutput, type OutputFollower, type OutputStream } from './follow-output.js';

/** A task event as the engine passes it on. */
export interface RunEvent extends TaskEvent {
  /** On a cell's `retrying` or `failed` event: the last lines (about 20) of that attempt's stderr. */
  stderrTail?: string;
}

export interface EventRelay {
  /** Passes `event` (or what it resolves to) on after the task's earlier events. */
  send(taskId: string, event: TaskEvent | Promise<TaskEvent>): void;
  /** Resolves when every event sent so far was passed on. */
  settled(): Promise<void>;
}

export interface EventRelayOptions {
  staging: Store;
  /** The cell key of a task id (undefined for the aggregate). */
  keyOf(taskId: string): string | undefined;
  deliver?: (event: RunEvent) => void;
  onOutput?: (taskId: string, stream: OutputStream, text: string) => void;
}

export function eventRelay(options: EventRelayOptions): EventRelay {
  const { staging, keyOf } = options;
  const chains = new Map<string, Promise<void>>();
  const followers = new Map<string, OutputFollower>();

  const detailed = async (event: TaskEvent): Promise<RunEvent> => {
    const key = keyOf(event.taskId);
    if (!key || (event.state !== 'retrying' && event.state !== 'failed')) return event;
    if (event.state === 'retrying') await keepAttemptLogs(staging, key, event.attempt).catch(() => undefined);
    const tail = await stderrTail(staging, key).catch(() => undefined);
    return tail ? { ...event, stderrTail: tail } : event;
  };

  const follow = async (event: TaskEvent) => {
    const key = keyOf(event.taskId);
    if (!options.onOutput || !key) return;
    const follower = followers.get(event.taskId);
    if (event.state === 'running' && !follower) {
      const onOutput = options.onOutput;
      followers.set(
        event.taskId,
        followCellOutput(staging, key, (stream, text) => onOutput(event.taskId, stream, text)),
      );
    } else if (follower && (event.state === 'retrying' || event.state === 'failed' || event.state === 'succeeded')) {
      if (event.state === 'retrying') await follower.flush(true);
      else {
        followers.delete(event.taskId);
        await follower.stop();
      }
    } else if (follower && event.state === 'cancelled') {
      followers.delete(event.taskId);
      await follower.stop();
    }
  };

  return {
    send(taskId, event) {
      const next = (chains.get(taskId) ?? Promise.resolve())
        .then(() => event)
        .then(async (resolved) => {
          await follow(resolved);
          options.deliver?.(await detailed(resolved));
        })
        .catch(() => undefined);
      chains.set(taskId, next);
    },
    async settled() {
      await Promise.all(chains.values());
      await Promise.all([...followers.values()].map((follower) => follower.stop()));
    },
  };
}
