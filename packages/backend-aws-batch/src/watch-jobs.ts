/**
 * Follows a run's jobs and turns them into the cell events every backend emits. Each poll is one
 * DescribeJobs of the cell jobs and the aggregate (up to 100 ids per call: one call for any run of
 * up to 99 array jobs, however many cells), whose `arrayProperties.statusSummary` counts the children
 * per status. Only when the summary changed does it look at children, and only at those that changed:
 * - the RUNNING children, with ListJobs by `arrayJobId` (bounded by how many run at once);
 * - a child that left RUNNING since the last poll, and (while the summary counts more ended children
 *   than the watcher has seen) a few of the lowest children not seen ending, with DescribeJobs of their
 *   ids (`<array job id>:<index>`, 100 per call, at most `PROBE_MAX` probed per poll);
 * - when more children of one status ended unseen than `PROBE_MAX` (a re-attach after a long outage),
 *   every child of that status with ListJobs (1000 per page), but only when that takes no more calls
 *   than describing the unseen ones would.
 * So the calls per poll are bounded by the concurrency, not by the matrix, and each child is looked
 * up about once over a run: a listing of ended children costs at most one call per 100 it finds new.
 * A child that SUCCEEDED has uploaded its bundle: the watcher reads it (one S3 GET), writes its files
 * under the cell's output prefix and emits the cell's attempts. The aggregate's events come after every cell's.
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
/** Most jobs one ListJobs page returns. */
const LIST_MAX = 1000;
/** Most children that ended unseen (between two polls) one poll looks for, per array job: 3 DescribeJobs. */
const PROBE_MAX = 300;
const FINAL: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED']);

interface GroupState {
  group: CellGroup;
  summary?: string;
  tasks: Array<WatchedTask | undefined>;
  /** Indexes collected or failed (and those of cells this run does not follow). */
  settled: Set<number>;
  /** Children the last RUNNING listing showed. */
  running: Set<number>;
  /** Children seen ending, with how they ended (followed or not: they count in the summary either way). */
  ended: Map<number, EndStatus>;
  /** Where the next probe for children that ended unseen starts (the lowest index when 0). */
  probeFrom: number;
}

type EndStatus = 'SUCCEEDED' | 'FAILED';

/** A child's array index: `arrayProperties.index`, else the `:<index>` its job id ends with; undefined for neither. */
function childIndex(child: JobSummary | JobDetail): number | undefined {
  const index = child.arrayProperties?.index ?? Number(child.jobId?.split(':').pop());
  return Number.isInteger(index) ? index : undefined;
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
    /** The aggregate's job; `rescued` when it is the rescue job (found again on re-attach): no second rescue. */
    aggregate: { spec: TaskSpec; jobId: string; rescued?: boolean } | undefined,
    private readonly options: JobWatchOptions,
  ) {
    this.groups = groups.map((group) => {
      const settled = new Set<number>();
      const tasks = group.cells.map((spec, index): WatchedTask | undefined => {
        // A child of a re-attached job whose cell this run no longer runs (it was cached meanwhile): not followed.
        if (!spec) {
          settled.add(index);
          return undefined;
        }
        const task: WatchedTask = { spec, attempt: 1, running: false };
        this.tasks.set(spec.id, task);
        return task;
      });
      return { group, settled, tasks, running: new Set<number>(), ended: new Map<number, EndStatus>(), probeFrom: 0 };
    });
    if (aggregate) {
      const task: WatchedTask = { spec: aggregate.spec, attempt: 1, running: false };
      this.tasks.set(aggregate.spec.id, task);
      this.aggregate = { task, jobId: aggregate.jobId, rescued: aggregate.rescued ?? false };
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
    const count = (status: JobStatus) => summary[status] ?? 0;
    const parentEnded = FINAL.has(job.status ?? '');
    const key = JSON.stringify(summary);
    const unseen = () => count('SUCCEEDED') + count('FAILED') - state.ended.size;
    if (key === state.summary && !parentEnded && unseen() <= 0) return;
    state.summary = key;
    const arrayJobId = job.jobId!;
    // The RUNNING children first, then the ended ones (looked up at least as late): a child that ended meanwhile is
    // among the second, so its end is reported before the start of the child that took its place.
    const running = count('RUNNING') > 0 || state.running.size > 0 ? await this.listChildren(arrayJobId, 'RUNNING') : [];
    const runningNow = new Set(running.map(childIndex).filter((index): index is number => index !== undefined));
    const endedNow: Array<JobSummary | JobDetail> = [];
    const noteEnded = (child: JobSummary | JobDetail) => {
      const index = childIndex(child);
      if (index === undefined || state.ended.has(index) || !FINAL.has(child.status ?? '')) return;
      state.ended.set(index, child.status as EndStatus);
      endedNow.push(child);
    };
    // Children that left RUNNING: ended, or back to RUNNABLE for one of Batch's own retries.
    const left = [...state.running].filter((index) => !runningNow.has(index) && !state.ended.has(index));
    // Many ended unseen (a re-attach after a long outage): list them when that is cheaper than describing them.
    for (const status of ['SUCCEEDED', 'FAILED'] as const) {
      if (count(status) - left.length <= PROBE_MAX) continue; // missing is no more than this: no need to count the seen
      let seen = 0;
      for (const ended of state.ended.values()) if (ended === status) seen++;
      const missing = count(status) - seen - left.length;
      if (missing > PROBE_MAX && Math.ceil(count(status) / LIST_MAX) <= Math.ceil(missing / DESCRIBE_MAX)) {
        for (const child of await this.listChildren(arrayJobId, status)) noteEnded(child);
      }
    }
    const probe = this.probeWindow(state, runningNow, new Set(left), unseen() - left.length);
    for (const child of await this.describeChildren(arrayJobId, [...left, ...probe])) noteEnded(child);
    // The next probe starts after this one while children that ended unseen are still missing; from the lowest once none is.
    const last = probe[probe.length - 1];
    state.probeFrom = unseen() > 0 && last !== undefined ? last + 1 : 0;
    state.running = runningNow;
    await runPool(endedNow, 16, (child) => this.settleChild(state, childIndex(child)!, child));
    for (const child of running) {
      const index = childIndex(child);
      if (index !== undefined) await this.settleChild(state, index, child);
    }
    // The parent ended and every ended child the summary counts was seen, yet some cells never ended: they never ran.
    if (parentEnded && unseen() <= 0 && runningNow.size === 0 && state.settled.size < state.tasks.length) {
      state.tasks.forEach((task, index) => {
        if (task && !state.settled.has(index)) {
          state.settled.add(index);
          settleCancelled(task, 'the job was terminated', this.emitFor);
        }
      });
    }
  }

  /**
   * Which children to look up for having ended unseen (started and ended between two polls): `missing` of them
   * (at most PROBE_MAX), lowest index first from `probeFrom` (Batch starts children in index order), among those
   * neither seen ending, running now, nor already looked up this poll.
   */
  private probeWindow(state: GroupState, runningNow: Set<number>, looked: Set<number>, missing: number): number[] {
    const want = Math.min(PROBE_MAX, missing);
    if (want <= 0) return [];
    const candidates: number[] = [];
    for (let index = 0; index < state.tasks.length; index++) {
      if (!state.ended.has(index) && !runningNow.has(index) && !looked.has(index)) candidates.push(index);
    }
    const from = candidates.findIndex((index) => index >= state.probeFrom);
    const ordered = from > 0 ? [...candidates.slice(from), ...candidates.slice(0, from)] : candidates;
    return ordered.slice(0, want);
  }

  /** DescribeJobs of children by index (100 per call). */
  private async describeChildren(arrayJobId: string, indexes: number[]): Promise<JobDetail[]> {
    const details: JobDetail[] = [];
    for (let start = 0; start < indexes.length; start += DESCRIBE_MAX) {
      const jobs = indexes.slice(start, start + DESCRIBE_MAX).map((index) => `${arrayJobId}:${index}`);
      const page = await this.call('describing array children', () => this.client.send(new DescribeJobsCommand({ jobs })));
      details.push(...(page.jobs ?? []));
    }
    return details;
  }

  /** A child (or a plain job): RUNNING → running; SUCCEEDED → its bundle; FAILED → Batch's reason. */
  private async settleChild(state: Pick<GroupState, 'tasks' | 'settled'>, index: number, job: JobSummary | JobDetail): Promise<void> {
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
    await this.settleChild({ tasks: [aggregate.task], settled: new Set() }, 0, job);
  }

  private async listChildren(arrayJobId: string, jobStatus: JobStatus): Promise<JobSummary[]> {
    const children: JobSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call('listing array children', () =>
        this.client.send(new ListJobsCommand({ arrayJobId, jobStatus, maxResults: LIST_MAX, ...(nextToken ? { nextToken } : {}) })),
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
