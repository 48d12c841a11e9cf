/**
 * Follows a job's tasks and turns their state changes into the cell events the local backend emits
 * (queued → running → retrying → … → succeeded | failed | cancelled, one terminal event per task).
 * Each poll is one `getTaskCounts` call; only when the counts changed since the last poll (or every
 * `listEvery` polls, since a retry changes no count) it also lists the tasks whose state changed since
 * the last listing (`$filter` on stateTransitionTime, `$select`, pages of 1000), whatever the task count.
 */
import type { BatchServiceModels } from '@azure/batch';
import { BackendError, type TaskEvent, type TaskSpec, type TaskState } from '@mxn/core';
import { batchErrorCode, batchErrorText, safeCause, type BatchClient } from './client.js';
import { failureMessage, isInfrastructureFailure } from './failure-info.js';

type CloudTask = BatchServiceModels.CloudTask;

export interface WatchedTask {
  batchId: string;
  spec: TaskSpec;
  attempt: number;
  running: boolean;
  terminal?: Extract<TaskState, 'succeeded' | 'failed' | 'cancelled'>;
  message?: string;
  info?: CloudTask;
}

export interface WatchOptions {
  /** The previous attempt's exit code (read from its uploaded `exit_code`), for `retrying` messages. */
  previousExitCode: (task: TaskSpec) => Promise<number | undefined>;
  timeoutMs: number;
  emit: (event: TaskEvent) => void;
  /** Page size of task listings. Default 1000 (the service's maximum). */
  pageSize?: number;
  /** List changed tasks at least every this many polls even when the counts did not change (retries change none). Default 10. */
  listEvery?: number;
}

/** The job's task counts as `getTaskCounts` returns them. */
export type TaskCounts = BatchServiceModels.TaskCounts;

const SELECT = 'id,displayName,state,stateTransitionTime,executionInfo';
const TERMINAL_CHECK_EVERY = 10;

export class TaskWatcher {
  readonly tasks = new Map<string, WatchedTask>();
  private watermark: Date | undefined;
  private polls = 0;
  private lastCounts: string | undefined;
  /** Calls made by the last poll. */
  lastPollCalls = 0;
  /** Task counts read by the last poll. */
  counts: TaskCounts | undefined;

  constructor(
    private readonly client: BatchClient,
    private readonly jobId: string,
    tasks: Array<{ batchId: string; spec: TaskSpec }>,
    private readonly options: WatchOptions,
  ) {
    for (const task of tasks) this.tasks.set(task.batchId, { ...task, attempt: 1, running: false });
  }

  /** Every task has had its terminal event. */
  get done(): boolean {
    for (const task of this.tasks.values()) if (!task.terminal) return false;
    return true;
  }

  /** One poll: task counts, then — when they changed, every `listEvery` polls, or when `force`d — the tasks that changed. */
  async poll(force = false): Promise<void> {
    this.polls++;
    this.lastPollCalls = 1;
    const result = await this.call('reading task counts', () => this.client.job.getTaskCounts(this.jobId));
    this.counts = result.taskCounts;
    const { active, running, completed, succeeded, failed } = result.taskCounts ?? {};
    const counts = result.taskCounts ? [active, running, completed, succeeded, failed].join(',') : undefined;
    const unchanged = counts !== undefined && counts === this.lastCounts;
    this.lastCounts = counts;
    const periodic = this.polls % (this.options.listEvery ?? TERMINAL_CHECK_EVERY) === 0;
    if (unchanged && !periodic && !force && this.polls > 1) {
      if (this.polls % TERMINAL_CHECK_EVERY === 0 && !this.done) await this.checkJobEnded();
      return;
    }
    // Tasks that changed at or after the latest change already seen (the service's own clock); every
    // tenth poll looks back 30 s more, in case a listing lagged behind a transition.
    const overlapMs = this.polls % TERMINAL_CHECK_EVERY === 0 ? 30_000 : 0;
    const filter = this.watermark
      ? `stateTransitionTime ge datetime'${new Date(this.watermark.getTime() - overlapMs).toISOString()}'`
      : undefined;
    const changed: CloudTask[] = [];
    let page = await this.call('listing tasks', () =>
      this.client.task.list(this.jobId, {
        taskListOptions: { ...(filter ? { filter } : {}), select: SELECT, maxResults: this.options.pageSize ?? 1000 },
      }),
    );
    this.lastPollCalls++;
    changed.push(...page);
    while (page.odatanextLink) {
      const link = page.odatanextLink;
      page = await this.call('listing tasks', () => this.client.task.listNext(link));
      this.lastPollCalls++;
      changed.push(...page);
    }
    // In the order things happened; the aggregate (which runs after every cell) last.
    changed.sort((a, b) => Number(a.id === 'aggregate') - Number(b.id === 'aggregate') || time(a) - time(b));
    for (const info of changed) {
      const at = info.stateTransitionTime;
      if (at && (!this.watermark || at > this.watermark)) this.watermark = at;
      const task = this.tasks.get(info.id ?? '');
      if (task && !task.terminal) await this.update(task, info);
    }
    if (this.polls % TERMINAL_CHECK_EVERY === 0 && !this.done) await this.checkJobEnded();
  }

  /** Ends every task without a terminal event as `cancelled` (the job was stopped). */
  cancelRemaining(message: string): void {
    for (const task of this.tasks.values()) {
      if (!task.terminal) this.end(task, 'cancelled', { message });
    }
  }

  private async update(task: WatchedTask, info: CloudTask): Promise<void> {
    task.info = info;
    const retries = info.executionInfo?.retryCount ?? 0;
    while (task.attempt < retries + 1) {
      if (!task.running) this.emit(task, 'running');
      const code = await this.options.previousExitCode(task.spec).catch(() => undefined);
      this.emit(task, 'retrying', {
        message: code === undefined ? 'attempt failed' : `exit code ${code}`,
        ...(code === undefined ? {} : { exitCode: code }),
      });
      task.attempt++;
      task.running = false;
    }
    if (info.state === 'running' && !task.running) {
      task.running = true;
      this.emit(task, 'running');
    }
    if (info.state === 'completed') {
      if (!task.running) this.emit(task, 'running');
      const exec = info.executionInfo;
      const exitCode = exec?.exitCode;
      if (exec?.result === 'success') this.end(task, 'succeeded', exitCode === undefined ? {} : { exitCode });
      else if (exec?.failureInfo?.code === 'TaskEnded') this.end(task, 'cancelled', { message: 'the job was terminated' });
      else
        this.end(task, 'failed', {
          ...(exitCode === undefined ? {} : { exitCode }),
          message: failureMessage(exec, this.options.timeoutMs),
          ...(isInfrastructureFailure(exec) ? { infrastructure: true } : {}),
        });
    }
  }

  private end(
    task: WatchedTask,
    state: NonNullable<WatchedTask['terminal']>,
    extra: { exitCode?: number; message?: string; infrastructure?: boolean },
  ): void {
    task.terminal = state;
    if (extra.message) task.message = extra.message;
    this.emit(task, state, extra);
  }

  private emit(task: WatchedTask, state: TaskState, extra: { exitCode?: number; message?: string; infrastructure?: boolean } = {}): void {
    this.options.emit({ taskId: task.spec.id, kind: task.spec.kind, state, attempt: task.attempt, at: new Date(), ...extra });
  }

  private async checkJobEnded(): Promise<void> {
    const job = await this.call('reading the job', () => this.client.job.get(this.jobId, { jobGetOptions: { select: 'id,state' } }));
    this.lastPollCalls++;
    if (job.state !== 'completed' && job.state !== 'terminating' && job.state !== 'deleting') return;
    // A final listing picks up what completed before the job ended; whatever is left never ran.
    this.polls++;
    await this.poll(true);
    this.cancelRemaining('the job was terminated');
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const code = batchErrorCode(error);
      throw new BackendError(`azure-batch: ${what} of job ${this.jobId} failed: ${batchErrorText(error)}`, {
        cause: safeCause(error),
        ...(code === 'JobNotFound' ? { hint: 'the job was deleted while the run was watching it' } : {}),
      });
    }
  }
}

const time = (task: CloudTask): number => task.stateTransitionTime?.getTime() ?? 0;
