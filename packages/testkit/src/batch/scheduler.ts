/**
 * The scheduler of the loopback Batch service: evaluates autoscale formulas on their interval, brings
 * nodes up and down, and runs active tasks whose dependencies are satisfied on free slots
 * (ready nodes × taskSlotsPerNode), then records their completion, retries and job termination.
 */
import { AutoScaleFormulaError, evaluateFormula } from './autoscale.js';
import { dependenciesSatisfied, exitOptionsFor, satisfiesDependents, type EndKind } from './dependencies.js';
import { runAttempt, type AttemptFailure, type InjectedUploadFailure, type LocalImages } from './runner.js';
import { durationMs } from './spec.js';
import { type BatchStore, newETag, now, setJobState, setTaskState, type Job, type Node, type Pool, type Task } from './store.js';
import type { ResizeError } from './supported-images.js';

export interface SchedulerOptions {
  rootDir: string;
  accountName: string;
  accountUrl: () => string;
  images: LocalImages;
  /** ms a new node takes to become ready. */
  nodeStartMs: number;
  /** ms between autoscale evaluations, or a function of the pool's interval in ms. */
  autoScaleIntervalMs: (poolIntervalMs: number) => number;
  /** Scheduler tick. */
  tickMs: number;
  /** Task metric samples a formula sees are this many ms old (the service's lag). Default 0: current values. */
  sampleLagMs?: number;
  /** Why `pool` cannot get more nodes now (its image past end of life), recorded in `resizeErrors`; undefined: it can. */
  growthBlocked?: (pool: Pool) => ResizeError | undefined;
  /** An injected output upload failure for the next attempt that has output files (see `inject`). */
  uploadFailure?: () => InjectedUploadFailure | undefined;
}

const TASK_METRICS = ['$ActiveTasks', '$RunningTasks', '$PendingTasks', '$SucceededTasks', '$FailedTasks'] as const;
type TaskMetrics = Record<(typeof TASK_METRICS)[number], number>;

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running = new Set<Promise<void>>();
  private kicked = false;
  /** Per pool (lower-case id): task metric samples, oldest first (kept only with `sampleLagMs`). */
  private samples = new Map<string, Array<{ at: number; metrics: TaskMetrics }>>();
  /** Every autoscale evaluation: pool, time, formula and its results or error. */
  readonly evaluations: { poolId: string; time: string; formula: string; results?: string; error?: string; trigger: string }[] = [];

  constructor(
    private readonly store: BatchStore,
    private readonly options: SchedulerOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.tickMs);
    this.timer.unref();
  }

  /** Asks for a tick soon (after a change). */
  kick(): void {
    if (this.kicked) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      this.tick();
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const job of this.store.jobs.values()) for (const t of job.tasks.values()) t.abort?.abort();
    await Promise.allSettled([...this.running]);
  }

  /** Variables a formula sees for `pool` (task metrics `sampleLagMs` old). */
  formulaInputs(pool: Pool): Record<string, number> {
    const inputs = this.currentInputs(pool);
    const lag = this.options.sampleLagMs ?? 0;
    if (lag <= 0) return inputs;
    const cutoff = Date.now() - lag;
    const old = (this.samples.get(pool.id.toLowerCase()) ?? []).filter((sample) => sample.at <= cutoff).at(-1);
    for (const name of TASK_METRICS) inputs[name] = old?.metrics[name] ?? 0;
    return inputs;
  }

  /** Records a task metric sample of `pool` and drops the ones no formula will see again. */
  private sample(pool: Pool): void {
    const lag = this.options.sampleLagMs ?? 0;
    if (lag <= 0) return;
    const key = pool.id.toLowerCase();
    const list = this.samples.get(key) ?? [];
    const inputs = this.currentInputs(pool);
    list.push({ at: Date.now(), metrics: Object.fromEntries(TASK_METRICS.map((name) => [name, inputs[name] ?? 0])) as TaskMetrics });
    const cutoff = Date.now() - lag;
    while (list.length > 1 && list[1]!.at <= cutoff) list.shift();
    this.samples.set(key, list);
  }

  private currentInputs(pool: Pool): Record<string, number> {
    let active = 0,
      running = 0,
      succeeded = 0,
      failed = 0;
    for (const job of this.store.jobs.values()) {
      if (job.poolId.toLowerCase() !== pool.id.toLowerCase() || job.state !== 'active') continue;
      for (const t of job.tasks.values()) {
        if (t.state === 'running' || t.state === 'preparing') running++;
        else if (t.state === 'active' && dependenciesSatisfied(t, job)) active++;
        else if (t.state === 'completed') t.executionInfo.result === 'success' ? succeeded++ : failed++;
      }
    }
    const count = (d: boolean): number => pool.nodes.filter((n) => n.isDedicated === d).length;
    return {
      $ActiveTasks: active,
      $RunningTasks: running,
      $PendingTasks: active + running,
      $SucceededTasks: succeeded,
      $FailedTasks: failed,
      $CurrentDedicatedNodes: count(true),
      $CurrentLowPriorityNodes: count(false),
      $TargetDedicatedNodes: pool.targetDedicatedNodes,
      $TargetLowPriorityNodes: pool.targetLowPriorityNodes,
      $TaskSlotsPerNode: pool.taskSlotsPerNode,
    };
  }

  /** Evaluates `formula` for `pool`; applies the result when `apply` (enable/periodic), not for evaluateautoscale. */
  evaluate(pool: Pool, formula: string, apply: boolean, trigger: string): Pool['autoScaleRun'] {
    const time = now();
    try {
      const r = evaluateFormula(formula, this.formulaInputs(pool));
      this.evaluations.push({ poolId: pool.id, time, formula, results: r.results, trigger });
      const run = { timestamp: time, results: r.results };
      if (apply) {
        // A resize that changes the targets replaces the last one's errors; the same targets start no resize.
        if (r.targetDedicatedNodes !== pool.targetDedicatedNodes || r.targetLowPriorityNodes !== pool.targetLowPriorityNodes)
          delete pool.resizeErrors;
        pool.targetDedicatedNodes = r.targetDedicatedNodes;
        pool.targetLowPriorityNodes = r.targetLowPriorityNodes;
        pool.nodeDeallocationOption = r.nodeDeallocationOption;
        pool.autoScaleRun = run;
        this.kick();
      }
      return run;
    } catch (e) {
      const message = e instanceof AutoScaleFormulaError ? e.message : String(e);
      this.evaluations.push({ poolId: pool.id, time, formula, error: message, trigger });
      const run = { timestamp: time, error: { code: 'AutoScalingFormulaSyntaxError', message } };
      if (apply) pool.autoScaleRun = run;
      return run;
    }
  }

  scheduleAutoScale(pool: Pool): void {
    pool.nextAutoScaleAt = Date.now() + this.options.autoScaleIntervalMs(durationMs(pool.autoScaleEvaluationInterval));
  }

  tick(): void {
    for (const pool of this.store.pools.values()) {
      if (pool.state !== 'active') continue;
      this.sample(pool);
      if (pool.enableAutoScale && pool.autoScaleFormula && (pool.nextAutoScaleAt ?? 0) <= Date.now()) {
        this.evaluate(pool, pool.autoScaleFormula, true, 'interval');
        this.scheduleAutoScale(pool);
      }
      this.reconcileNodes(pool);
      this.startTasks(pool);
    }
    for (const job of this.store.jobs.values()) this.checkJobCompletion(job);
  }

  /** Gives `pool` its target nodes at once, ready, whatever its image (a pool that existed before, seeded by a test). */
  fill(pool: Pool): void {
    for (const dedicated of [true, false]) {
      const target = dedicated ? pool.targetDedicatedNodes : pool.targetLowPriorityNodes;
      for (let i = pool.nodes.filter((n) => n.isDedicated === dedicated).length; i < target; i++) {
        pool.nodes.push({
          id: `tvmps_${String(++pool.nodeSeq).padStart(6, '0')}_${dedicated ? 'd' : 'p'}`,
          isDedicated: dedicated,
          running: new Set(),
          readyAt: Date.now(),
        });
      }
    }
  }

  /** Whether `pool` may get more nodes; when not, its `resizeErrors` say why (set once per resize). */
  private mayGrow(pool: Pool): boolean {
    const blocked = this.options.growthBlocked?.(pool);
    if (blocked && !pool.resizeErrors?.length) pool.resizeErrors = [blocked];
    return !blocked;
  }

  private reconcileNodes(pool: Pool): void {
    const short = (dedicated: boolean) =>
      pool.nodes.filter((n) => n.isDedicated === dedicated).length < (dedicated ? pool.targetDedicatedNodes : pool.targetLowPriorityNodes);
    const grow = !(short(true) || short(false)) || this.mayGrow(pool);
    for (const dedicated of [true, false]) {
      const target = dedicated ? pool.targetDedicatedNodes : pool.targetLowPriorityNodes;
      const nodes = pool.nodes.filter((n) => n.isDedicated === dedicated);
      for (let i = nodes.length; grow && i < target; i++) {
        pool.nodes.push({
          id: `tvmps_${String(++pool.nodeSeq).padStart(6, '0')}_${dedicated ? 'd' : 'p'}`,
          isDedicated: dedicated,
          running: new Set(),
          readyAt: Date.now() + this.options.nodeStartMs,
        });
      }
      let excess = nodes.length - target;
      // Idle (and still starting) nodes go first; busy nodes wait for their tasks unless the option says otherwise.
      const byIdle = [...nodes].sort((a, b) => a.running.size - b.running.size || b.readyAt - a.readyAt);
      for (const node of byIdle) {
        if (excess <= 0) break;
        const option = pool.nodeDeallocationOption.toLowerCase();
        if (node.running.size > 0) {
          if (option === 'taskcompletion' || option === 'retaineddata') continue;
          this.evictTasks(node, option === 'requeue' ? 'requeue' : 'terminate');
        }
        pool.nodes.splice(pool.nodes.indexOf(node), 1);
        excess--;
      }
    }
    const starting = pool.nodes.some((n) => n.readyAt > Date.now());
    const shrinking =
      pool.nodes.filter((n) => n.isDedicated).length > pool.targetDedicatedNodes ||
      pool.nodes.filter((n) => !n.isDedicated).length > pool.targetLowPriorityNodes;
    const state = starting || shrinking ? 'resizing' : 'steady';
    if (state !== pool.allocationState) {
      pool.allocationState = state;
      pool.allocationStateTransitionTime = now();
    }
  }

  /**
   * Preempts up to `count` Spot/low-priority nodes of `pool` that run tasks: the tasks are requeued
   * and a new node starts in each one's place (Batch keeps allocating Spot nodes up to the target).
   */
  preempt(pool: Pool, count: number): number {
    const victims = pool.nodes.filter((n) => !n.isDedicated && n.running.size > 0).slice(0, count);
    for (const node of victims) {
      this.evictTasks(node, 'requeue');
      // No node takes its place in a pool that cannot grow (the next tick records why).
      if (this.options.growthBlocked?.(pool)) {
        pool.nodes.splice(pool.nodes.indexOf(node), 1);
        continue;
      }
      pool.nodes.splice(pool.nodes.indexOf(node), 1, {
        id: `tvmps_${String(++pool.nodeSeq).padStart(6, '0')}_p`,
        isDedicated: false,
        running: new Set(),
        readyAt: Date.now() + this.options.nodeStartMs,
      });
    }
    if (victims.length) this.kick();
    return victims.length;
  }

  private evictTasks(node: Node, how: 'requeue' | 'terminate'): void {
    for (const key of node.running) {
      const [jobId, taskId] = key.split('/') as [string, string];
      const task = this.store.job(jobId)?.tasks.get(taskId.toLowerCase());
      if (task) {
        (task as Task & { evicted?: string }).evicted = how;
        task.abort?.abort();
      }
    }
  }

  private startTasks(pool: Pool): void {
    const ready = pool.nodes.filter((n) => n.readyAt <= Date.now());
    let free = ready.reduce((s, n) => s + pool.taskSlotsPerNode - this.usedSlots(n), 0);
    if (free <= 0) return;
    const jobs = [...this.store.jobs.values()]
      .filter((j) => j.state === 'active' && j.poolId.toLowerCase() === pool.id.toLowerCase())
      .sort((a, b) => b.priority - a.priority);
    for (const job of jobs) {
      for (const task of job.tasks.values()) {
        if (free <= 0) return;
        if (task.state !== 'active' || !dependenciesSatisfied(task, job)) continue;
        const slots = task.spec.requiredSlots ?? 1;
        const node = ready.find((n) => pool.taskSlotsPerNode - this.usedSlots(n) >= slots);
        if (!node) continue;
        free -= slots;
        this.launch(pool, node, job, task);
      }
    }
  }

  private usedSlots(node: Node): number {
    let used = 0;
    for (const key of node.running) {
      const [jobId, taskId] = key.split('/') as [string, string];
      used += this.store.job(jobId)?.tasks.get(taskId.toLowerCase())?.spec.requiredSlots ?? 1;
    }
    return used;
  }

  private launch(pool: Pool, node: Node, job: Job, task: Task): void {
    const key = `${job.id}/${task.id}`;
    node.running.add(key);
    task.abort = new AbortController();
    setTaskState(task, 'running');
    const startTime = task.stateTransitionTime;
    task.executionInfo.startTime = startTime;
    delete task.executionInfo.endTime;
    delete task.executionInfo.exitCode;
    delete task.executionInfo.failureInfo;
    delete task.executionInfo.result;
    task.nodeInfo = {
      affinityId: `TVM:${node.id}`,
      nodeUrl: `${this.options.accountUrl()}/pools/${pool.id}/nodes/${node.id}`,
      poolId: pool.id,
      nodeId: node.id,
      taskRootDirectory: `workitems/${job.id}/job-1/${task.id}`,
      taskRootDirectoryUrl: `${this.options.accountUrl()}/pools/${pool.id}/nodes/${node.id}/files/workitems/${job.id}/job-1/${task.id}`,
    };
    const p = runAttempt({
      rootDir: this.options.rootDir,
      accountName: this.options.accountName,
      accountUrl: this.options.accountUrl(),
      poolId: pool.id,
      nodeId: node.id,
      isDedicated: node.isDedicated,
      jobId: job.id,
      task: task.spec,
      images: this.options.images,
      wallClockMs: task.spec.constraints?.maxWallClockTime ? durationMs(task.spec.constraints.maxWallClockTime) : Number.POSITIVE_INFINITY,
      signal: task.abort.signal,
      ...(this.options.uploadFailure ? { uploadFailure: this.options.uploadFailure } : {}),
    })
      .then((o) => this.finish(job, task, o.exitCode, o.failure))
      .catch((e: unknown) => this.finish(job, task, undefined, { code: 'InternalError', message: String(e), kind: 'preProcessingError' }))
      .finally(() => {
        node.running.delete(key);
        this.running.delete(p);
        this.kick();
      });
    this.running.add(p);
  }

  private finish(job: Job, task: Task, exitCode: number | undefined, failure: AttemptFailure | undefined): void {
    const evicted = (task as Task & { evicted?: string }).evicted;
    delete (task as Task & { evicted?: string }).evicted;
    delete task.abort;
    const info = task.executionInfo;
    if (evicted === 'requeue' && job.state === 'active') {
      info.requeueCount++;
      setTaskState(task, 'active');
      return;
    }
    const kind: EndKind = failure ? (failure.kind as EndKind) : 'exit';
    const succeeded = !failure && exitCode === 0;
    const maxRetries: number = task.spec.constraints?.maxTaskRetryCount ?? 0;
    const retryable = !succeeded && kind !== 'terminated' && kind !== 'timeout' && !failure?.final && job.state === 'active';
    if (retryable && (maxRetries === -1 || info.retryCount < maxRetries)) {
      info.retryCount++;
      info.lastRetryTime = now();
      setTaskState(task, 'active');
      return;
    }
    if (exitCode !== undefined) info.exitCode = exitCode;
    info.result = succeeded ? 'success' : 'failure';
    if (failure)
      info.failureInfo = {
        category: failure.kind === 'terminated' ? 'servererror' : 'usererror',
        code: failure.code,
        message: failure.message,
        ...(failure.details ? { details: failure.details } : {}),
      };
    else if (!succeeded) {
      info.failureInfo = {
        category: 'usererror',
        code: 'FailureExitCode',
        message: 'The task exited with an exit code representing a failure',
        details: [
          { name: 'Message', value: 'The task process exited with an unexpected exit code' },
          { name: 'AdditionalErrorCode', value: 'FailureExitCode' },
        ],
      };
    }
    task.satisfiesDependents = satisfiesDependents(task.spec.exitConditions, exitCode, kind, succeeded);
    setTaskState(task, 'completed');
    info.endTime = task.stateTransitionTime;
    if (!succeeded && job.onTaskFailure.toLowerCase() === 'performexitoptionsjobaction') {
      const action = exitOptionsFor(task.spec.exitConditions, exitCode, kind)?.jobAction ?? 'terminate';
      if (action === 'terminate') this.terminateJob(job, 'TaskFailed');
    }
  }

  /** Terminates `job`: running tasks are stopped; the job completes once they have. */
  terminateJob(job: Job, reason: string): void {
    if (job.state !== 'active' && job.state !== 'disabled') return;
    job.terminateReason = reason;
    setJobState(job, 'terminating');
    for (const t of job.tasks.values()) t.abort?.abort();
    this.kick();
  }

  private checkJobCompletion(job: Job): void {
    const anyRunning = [...job.tasks.values()].some((t) => t.state === 'running' || t.state === 'preparing');
    if (job.state === 'terminating' && !anyRunning) {
      setJobState(job, 'completed');
      job.endTime = job.stateTransitionTime;
    } else if (job.state === 'deleting' && !anyRunning) {
      this.store.jobs.delete(job.id.toLowerCase());
    } else if (
      job.state === 'active' &&
      job.onAllTasksComplete.toLowerCase() === 'terminatejob' &&
      [...job.tasks.values()].every((t) => t.state === 'completed')
    ) {
      // Like the service: a job with no tasks counts as all complete.
      this.terminateJob(job, 'AllTasksComplete');
    }
  }

  /** Starts deleting `job`: running tasks are stopped and the job disappears once they have. */
  deleteJob(job: Job): void {
    setJobState(job, 'deleting');
    for (const t of job.tasks.values()) t.abort?.abort();
    job.eTag = newETag();
    this.kick();
  }
}
