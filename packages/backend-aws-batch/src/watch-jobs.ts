/**
 * Follows a run's jobs and turns them into the cell events every backend emits. Each poll is one
 * DescribeJobs of the cell jobs and the aggregate (up to 100 ids per call: one call for any run of
 * up to 99 array jobs, however many cells), whose `arrayProperties.statusSummary` counts the children
 * per status. Only when a count changed does it list children, with ListJobs by `arrayJobId` and the
 * status that changed (RUNNING, SUCCEEDED, FAILED; pages of 1000). A child that SUCCEEDED has
 * uploaded its bundle: the watcher reads it (one S3 GET), writes its files under the cell's output
 * prefix and emits the cell's attempts. The aggregate's events come after every cell's.
 */
import {
  DescribeJobsCommand,
  ListJobsCommand,
  type BatchClient,
  type JobDetail,
  type JobStatus,
  type JobSummary,
} from '@aws-sdk/client-batch';
import { runPool } from '@mxn/async';
import { BackendError, type TaskEvent, type TaskSpec } from '@mxn/core';
import type { Store } from '@mxn/storage';
import { readBundle, unpackBundle } from './bundle.js';
import { awsErrorText } from './client.js';
import { settleAsPlatformFailure, settleCancelled, settleFromBundle, type Emit, type WatchedTask } from './outcomes.js';
import type { CellGroup } from './submit-jobs.js';

export interface JobWatchOptions {
  store: Store;
  timeoutMs: number;
  stderrLines: number;
  emit: (event: TaskEvent) => void;
  /** Submits the aggregate again without dependencies after Batch failed it for a failed dependency; returns the new job id. */
  rescue?: (failed: JobDetail) => Promise<string>;
}

const DESCRIBE_MAX = 100;
const FINAL: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED']);

interface GroupState {
  group: CellGroup;
  summary?: string;
  tasks: Array<WatchedTask | undefined>;
  /** Indexes collected or failed (and those of cells this run does not follow). */
  settled: Set<number>;
}

export class JobWatcher {
  readonly tasks = new Map<string, WatchedTask>();
  private readonly groups: GroupState[];
  private aggregate?: { task: WatchedTask; jobId: string; rescued: boolean };
  /** Calls to the Batch API made by the last poll. */
  lastPollCalls = 0;

  constructor(
    private readonly client: BatchClient,
    groups: CellGroup[],
    aggregate: { spec: TaskSpec; jobId: string } | undefined,
    private readonly options: JobWatchOptions,
  ) {
    this.groups = groups.map((group) => {
      const settled = new Set<number>();
      const tasks = group.cells.map((spec, index) => {
        // A child of a re-attached job whose cell this run no longer runs (it was cached meanwhile): not followed.
        if (!spec) settled.add(index);
        const task: WatchedTask | undefined = spec ? { spec, attempt: 1, running: false } : undefined;
        if (task) this.tasks.set(task.spec.id, task);
        return task;
      });
      return { group, settled, tasks };
    });
    if (aggregate) {
      const task: WatchedTask = { spec: aggregate.spec, attempt: 1, running: false };
      this.tasks.set(aggregate.spec.id, task);
      this.aggregate = { task, jobId: aggregate.jobId, rescued: false };
    }
  }

  get done(): boolean {
    for (const task of this.tasks.values()) if (!task.terminal) return false;
    return true;
  }

  /** Every job id of the run the watcher follows (for TerminateJob). */
  jobIds(): string[] {
    return [...this.groups.map((state) => state.group.jobId!), ...(this.aggregate ? [this.aggregate.jobId] : [])];
  }

  /** Ends every task without a terminal event as cancelled. */
  cancelRemaining(message: string): void {
    for (const task of this.tasks.values()) if (!task.terminal) settleCancelled(task, message, this.emitFor);
  }

  async poll(): Promise<void> {
    this.lastPollCalls = 0;
    const open = this.groups.filter((state) => state.settled.size < state.tasks.length);
    const ids = [
      ...open.map((state) => state.group.jobId!),
      ...(this.aggregate && !this.aggregate.task.terminal ? [this.aggregate.jobId] : []),
    ];
    const details = new Map<string, JobDetail>();
    for (let start = 0; start < ids.length; start += DESCRIBE_MAX) {
      const { jobs = [] } = await this.call('describing jobs', () =>
        this.client.send(new DescribeJobsCommand({ jobs: ids.slice(start, start + DESCRIBE_MAX) })),
      );
      for (const job of jobs) if (job.jobId) details.set(job.jobId, job);
    }
    await runPool(open, 4, (state) => this.pollGroup(state, details.get(state.group.jobId!)));
    if (this.aggregate && !this.aggregate.task.terminal && [...this.groups].every((state) => state.settled.size === state.tasks.length)) {
      await this.pollAggregate(details.get(this.aggregate.jobId));
    }
  }

  private async pollGroup(state: GroupState, job: JobDetail | undefined): Promise<void> {
    if (!job) return;
    if (state.tasks.length === 1) {
      await this.settleChild(state, 0, job);
      return;
    }
    const summary = job.arrayProperties?.statusSummary ?? {};
    const key = JSON.stringify(summary);
    if (key === state.summary && !FINAL.has(job.status ?? '')) return;
    state.summary = key;
    const count = (status: JobStatus) => summary[status] ?? 0;
    const settledNow = state.settled.size;
    // The RUNNING children first, then the ended ones (listed at least as late): a child that ended meanwhile is in
    // the second list, so its end is reported before the start of the child that took its place.
    const running = count('RUNNING') > 0 ? await this.listChildren(job.jobId!, 'RUNNING') : [];
    const runningNow = new Set(running.map((child) => child.arrayProperties?.index));
    const vanished = state.tasks.some((task, index) => task?.running && !task.terminal && !runningNow.has(index));
    const ended: JobStatus[] = [];
    if (count('SUCCEEDED') + count('FAILED') > settledNow || FINAL.has(job.status ?? '') || vanished) {
      if (count('SUCCEEDED') > 0 || vanished) ended.push('SUCCEEDED');
      if (count('FAILED') > 0 || vanished) ended.push('FAILED');
    }
    for (const status of ended) {
      const children = await this.listChildren(job.jobId!, status);
      await runPool(children, 16, async (child) => {
        const index = child.arrayProperties?.index;
        if (index !== undefined) await this.settleChild(state, index, child);
      });
    }
    for (const child of running) {
      const index = child.arrayProperties?.index;
      if (index !== undefined) await this.settleChild(state, index, child);
    }
    const lists = [...(running.length ? ['RUNNING'] : []), ...ended];
    // The parent ended and some children were never listed as ended: they never ran (the job was terminated).
    if (FINAL.has(job.status ?? '') && state.settled.size < state.tasks.length && lists.length === 0) {
      state.tasks.forEach((task, index) => {
        if (task && !state.settled.has(index)) {
          state.settled.add(index);
          settleCancelled(task, 'the job was terminated', this.emitFor);
        }
      });
    }
  }

  /** A child (or a plain job): RUNNING → running; SUCCEEDED → its bundle; FAILED → Batch's reason. */
  private async settleChild(state: GroupState, index: number, job: JobSummary | JobDetail): Promise<void> {
    const task = state.tasks[index];
    if (!task || state.settled.has(index)) return;
    const times = {
      ...(job.startedAt !== undefined ? { startedAt: job.startedAt } : {}),
      ...(job.stoppedAt !== undefined ? { stoppedAt: job.stoppedAt } : {}),
    };
    if (job.status === 'RUNNING' && !task.running) {
      task.running = true;
      this.emitFor(task, 'running');
    } else if (job.status === 'SUCCEEDED') {
      state.settled.add(index);
      await this.collect(task, times);
    } else if (job.status === 'FAILED') {
      state.settled.add(index);
      // A terminated job whose wrapper still uploaded (it finished first) counts as it ran.
      const bundle = await readBundle(this.options.store, task.spec.outputPrefix).catch(() => undefined);
      if (bundle) {
        await this.collect(task, times);
        return;
      }
      const reason = job.container?.reason ?? job.statusReason ?? 'failed';
      if (/terminated|cancel/i.test(job.statusReason ?? '')) settleCancelled(task, 'the job was terminated', this.emitFor);
      else settleAsPlatformFailure(task, `AWS Batch: ${reason}`, times, this.emitFor);
    }
  }

  private async collect(task: WatchedTask, times: { startedAt?: number; stoppedAt?: number }): Promise<void> {
    const { store } = this.options;
    let bundle: Awaited<ReturnType<typeof readBundle>>;
    try {
      bundle = await readBundle(store, task.spec.outputPrefix);
    } catch (error) {
      settleAsPlatformFailure(task, `the output bundle could not be read: ${(error as Error).message}`, times, this.emitFor);
      return;
    }
    if (!bundle) {
      settleAsPlatformFailure(task, 'the task ended without uploading its outputs', times, this.emitFor);
      return;
    }
    await unpackBundle(store, task.spec.outputPrefix, bundle);
    settleFromBundle(task, bundle, times, { timeoutMs: this.options.timeoutMs, stderrLines: this.options.stderrLines }, this.emitFor);
  }

  private async pollAggregate(job: JobDetail | undefined): Promise<void> {
    const aggregate = this.aggregate!;
    if (!job) return;
    if (job.status === 'FAILED' && (job.attempts ?? []).length === 0 && !aggregate.rescued && this.options.rescue) {
      // Batch failed it for a dependency (a cell job failed on the platform): run it again without one.
      aggregate.rescued = true;
      aggregate.jobId = await this.options.rescue(job);
      this.lastPollCalls++;
      return;
    }
    const fake: GroupState = {
      group: { group: 'aggregate', jobName: '', image: '', cells: [aggregate.task.spec], jobId: aggregate.jobId },
      tasks: [aggregate.task],
      settled: new Set(),
    };
    await this.settleChild(fake, 0, job);
  }

  private async listChildren(arrayJobId: string, jobStatus: JobStatus): Promise<JobSummary[]> {
    const children: JobSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call('listing array children', () =>
        this.client.send(new ListJobsCommand({ arrayJobId, jobStatus, maxResults: 1000, ...(nextToken ? { nextToken } : {}) })),
      );
      children.push(...(page.jobSummaryList ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return children;
  }

  private readonly emitFor: Emit = (task, state, extra = {}) => {
    this.options.emit({ taskId: task.spec.id, kind: task.spec.kind, state, attempt: task.attempt, at: new Date(), ...extra });
  };

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.lastPollCalls++;
    try {
      return await fn();
    } catch (error) {
      throw new BackendError(`aws-batch: ${what} failed: ${awsErrorText(error)}`);
    }
  }
}
