/**
 * The loopback AWS Batch scheduler: moves jobs one state per tick (SUBMITTED → PENDING → RUNNABLE →
 * STARTING → RUNNING → SUCCEEDED/FAILED), holds jobs on their dependencies (plain, N_TO_N, SEQUENTIAL;
 * a failed dependency fails the dependent job), places RUNNABLE jobs within their queue's compute
 * environments' maxvCpus, runs attempts, applies `timeout` and `retryStrategy` (with `evaluateOnExit`),
 * and derives an array parent's status from its children.
 */
import { join } from 'node:path';
import type { LocalImages } from '../batch/runner.js';
import { type AwsBatchStore, type Job, isTerminal, type JobStatus } from './model.js';
import { type AttemptResult, type AwsBatchRuntime, runAttempt } from './runner.js';

export interface SchedulerOptions {
  rootDir: string;
  runtime: AwsBatchRuntime;
  images: LocalImages;
  engine: string;
  /** ms one second of `attemptDurationSeconds` lasts (default 1000; tests shorten it). */
  secondMs: number;
  /** vCPUs an UNMANAGED compute environment offers. */
  unmanagedvCpus: number;
  /** Most attempts running at once, whatever the compute environments say. */
  maxRunning: number;
  tickMs: number;
  clock: () => Date;
  /** Called with each attempt's environment, for the secret checks. */
  onEnvironment: (jobId: string, env: Record<string, string>) => void;
}

const DEPENDENCY_FAILED = 'Dependent Job failed';

/** Glob of evaluateOnExit: an exact match, or a prefix when it ends with `*`. */
const globMatch = (pattern: string | undefined, value: string): boolean =>
  pattern === undefined || (pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern);

/** vCPUs a job asks for: `resourceRequirements` VCPU, else `vcpus`, else 1. */
function vcpusOf(job: Job): number {
  const requirement = job.container.resourceRequirements?.find((r) => r.type === 'VCPU')?.value;
  return Number(requirement ?? job.container.vcpus ?? 1) || 1;
}

export class AwsBatchScheduler {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Map<string, AbortController>();
  private readonly inFlight = new Set<Promise<void>>();
  private ticking = false;

  constructor(
    private readonly store: AwsBatchStore,
    private readonly options: SchedulerOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const c of this.running.values()) c.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private set(job: Job, status: JobStatus, reason?: string): void {
    const now = this.options.clock().getTime();
    job.status = status;
    job.updatedAt = now;
    if (reason !== undefined) job.statusReason = reason;
    if (isTerminal(status)) {
      job.stoppedAt = now;
      if (job.computeEnvironment) job.computeEnvironment = undefined;
    }
  }

  /** The dependency state of a job: 'wait', 'ok' or 'failed'. */
  private dependencies(job: Job): 'wait' | 'ok' | 'failed' {
    const states: JobStatus[] = [];
    const parent = job.parentId ? this.store.jobs.get(job.parentId) : undefined;
    const own = parent ? parent.dependsOn : job.dependsOn;
    for (const dep of own) {
      if (dep.type === 'SEQUENTIAL' && !dep.jobId) {
        if (parent && job.arrayIndex! > 0) states.push(this.store.jobs.get(parent.children![job.arrayIndex! - 1]!)!.status);
        continue;
      }
      const target = this.store.jobs.get(dep.jobId ?? '');
      if (!target) continue;
      if (dep.type === 'N_TO_N' && parent && target.children) {
        states.push(this.store.jobs.get(target.children[job.arrayIndex!]!)?.status ?? 'SUCCEEDED');
      } else if (!parent && dep.type === 'N_TO_N') {
        // An array parent waits for its children only; a plain job ignores N_TO_N as AWS does for non-arrays.
      } else states.push(target.status);
    }
    if (states.includes('FAILED')) return 'failed';
    return states.every((s) => s === 'SUCCEEDED') ? 'ok' : 'wait';
  }

  /** Free vCPUs per compute environment during a tick. */
  private freeThisTick: Map<string, number> | undefined;

  /** Free vCPUs of a queue's first compute environment with room for `need`, or undefined. */
  private placement(job: Job, need: number): string | undefined {
    const queue = this.store.jobQueue(job.jobQueue);
    if (!queue) return undefined;
    for (const { computeEnvironment } of [...queue.computeEnvironmentOrder].sort((a, b) => a.order - b.order)) {
      const ce = this.store.computeEnvironment(computeEnvironment);
      if (ce?.state !== 'ENABLED' || ce.status !== 'VALID') continue;
      const max = ce.type === 'UNMANAGED' ? this.options.unmanagedvCpus : Number(ce.computeResources?.maxvCpus ?? 0);
      // Free vCPUs are counted once per compute environment and tick (not once per waiting job: 10,000 children).
      let free = this.freeThisTick?.get(ce.computeEnvironmentArn);
      if (free === undefined) {
        let used = 0;
        for (const j of this.store.jobs.values()) if (j.computeEnvironment === ce.computeEnvironmentArn) used += j.vcpus;
        free = max - used;
      }
      this.freeThisTick?.set(ce.computeEnvironmentArn, need <= free ? free - need : free);
      if (need <= free) return ce.computeEnvironmentArn;
    }
    return undefined;
  }

  /** One pass over every job that is not finished. */
  tick(): void {
    if (this.ticking) return;
    this.ticking = true;
    this.freeThisTick = new Map();
    try {
      for (const job of this.store.jobs.values()) {
        if (isTerminal(job.status)) continue;
        if (job.children) this.stepParent(job);
        else this.step(job);
      }
    } finally {
      this.ticking = false;
      this.freeThisTick = undefined;
    }
  }

  private stepParent(job: Job): void {
    if (job.status === 'SUBMITTED') {
      this.set(job, 'PENDING');
      return;
    }
    let failed = false;
    for (const id of job.children!) {
      const child = this.store.jobs.get(id)!;
      if (!isTerminal(child.status)) return;
      if (child.status === 'FAILED') failed = true;
    }
    const now = this.options.clock().getTime();
    job.startedAt ??= now;
    this.set(job, failed ? 'FAILED' : 'SUCCEEDED', failed ? (job.stopRequest?.reason ?? 'Array Child Job failed') : undefined);
  }

  private step(job: Job): void {
    const stop = job.stopRequest;
    switch (job.status) {
      case 'SUBMITTED':
        if (stop) this.set(job, 'FAILED', stop.reason);
        else this.set(job, 'PENDING');
        return;
      case 'PENDING':
      case 'RUNNABLE': {
        const deps = stop ? 'stopped' : this.dependencies(job);
        if (deps === 'stopped' || deps === 'failed') {
          this.set(job, 'FAILED', stop?.reason ?? DEPENDENCY_FAILED);
          return;
        }
        if (deps === 'wait') return;
        if (job.status === 'PENDING') {
          this.set(job, 'RUNNABLE');
          return;
        }
        if (this.running.size >= this.options.maxRunning) return;
        const need = vcpusOf(job);
        const ce = this.placement(job, need);
        if (!ce) return;
        job.computeEnvironment = ce;
        job.vcpus = need;
        this.set(job, 'STARTING');
        this.launch(job);
        return;
      }
      default:
        return;
    }
  }

  private launch(job: Job): void {
    const controller = new AbortController();
    this.running.set(job.jobId, controller);
    const attemptNumber = job.attempts.length + 1;
    const queue = this.store.jobQueue(job.jobQueue);
    const ce = this.store.computeEnvironment(job.computeEnvironment ?? '');
    const env: Record<string, string> = {
      AWS_BATCH_JOB_ID: job.jobId,
      AWS_BATCH_JOB_ATTEMPT: String(attemptNumber),
      AWS_BATCH_JQ_NAME: queue?.jobQueueName ?? '',
      AWS_BATCH_CE_NAME: ce?.computeEnvironmentName ?? '',
      ...(job.arrayIndex !== undefined ? { AWS_BATCH_JOB_ARRAY_INDEX: String(job.arrayIndex) } : {}),
    };
    for (const { name, value } of job.container.environment ?? []) env[name] = value;
    this.options.onEnvironment(job.jobId, env);
    const seconds = job.timeout?.attemptDurationSeconds;
    const dir = join(this.options.rootDir, 'jobs', job.jobId.replace(':', '-'), String(attemptNumber));
    const startedAt = { value: undefined as number | undefined };
    const run = runAttempt({
      dir,
      image: job.container.image,
      command: substitute(job.container.command ?? [], job.parameters),
      env,
      runtime: this.options.runtime,
      images: this.options.images,
      engine: this.options.engine,
      timeoutMs: seconds ? seconds * this.options.secondMs : Number.POSITIVE_INFINITY,
      signal: controller.signal,
      started: () => {
        startedAt.value = this.options.clock().getTime();
        job.startedAt ??= startedAt.value;
        if (job.status === 'STARTING') this.set(job, 'RUNNING');
      },
    })
      .catch(
        (e: unknown): AttemptResult => ({ reason: (e as Error).message, statusReason: (e as Error).message, kind: 'exit', exitCode: 1 }),
      )
      .then((result) => this.finish(job, result, dir, startedAt.value));
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  private finish(job: Job, result: AttemptResult, dir: string, startedAt: number | undefined): void {
    this.running.delete(job.jobId);
    const stop = job.stopRequest;
    const terminated = result.kind === 'terminated' || (stop?.terminate ?? false);
    const statusReason = terminated && stop ? stop.reason : result.statusReason;
    const now = this.options.clock().getTime();
    job.attempts.push({
      container: {
        ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
        ...(result.reason ? { reason: result.reason } : {}),
        logStreamName: `loopback/default/${dir.split('/').slice(-2).join('/')}`,
        taskArn: `arn:aws:ecs:loopback:task/${job.jobId}/${job.attempts.length + 1}`,
      },
      ...(startedAt !== undefined ? { startedAt } : {}),
      stoppedAt: now,
      statusReason,
    });
    job.container.exitCode = result.exitCode;
    if (result.reason) job.container.reason = result.reason;
    job.container.logStreamName = job.attempts.at(-1)!.container.logStreamName;
    if (result.exitCode === 0 && result.kind === 'exit') {
      this.set(job, 'SUCCEEDED', statusReason);
      return;
    }
    if (!terminated && result.kind !== 'timeout' && this.retry(job, result)) {
      job.computeEnvironment = undefined;
      this.set(job, 'RUNNABLE', statusReason);
      return;
    }
    this.set(job, 'FAILED', statusReason);
  }

  /** Whether a failed attempt is retried: attempts left, and the first matching evaluateOnExit (if any) says RETRY. */
  private retry(job: Job, result: AttemptResult): boolean {
    if (job.attempts.length >= (job.retryStrategy?.attempts ?? 1)) return false;
    for (const rule of job.retryStrategy?.evaluateOnExit ?? []) {
      const matched =
        globMatch(rule.onExitCode, String(result.exitCode ?? '')) &&
        globMatch(rule.onStatusReason, result.statusReason) &&
        globMatch(rule.onReason, result.reason ?? '');
      if (matched) return rule.action.toUpperCase() === 'RETRY';
    }
    return true;
  }

  /** Stops a job (CancelJob: only before STARTING; TerminateJob: running attempts too). */
  requestStop(job: Job, reason: string, terminate: boolean): void {
    const targets = job.children ? job.children.map((id) => this.store.jobs.get(id)!) : [job];
    for (const target of [job, ...targets]) {
      if (isTerminal(target.status)) continue;
      target.stopRequest ??= { reason, terminate };
      if (terminate) {
        target.stopRequest.terminate = true;
        this.running.get(target.jobId)?.abort();
      }
    }
  }

  /** ms of the attempt running now, per job (for tests). */
  isRunning(jobId: string): boolean {
    return this.running.has(jobId);
  }
}

/** `Ref::name` placeholders in a command, replaced by the job's parameters (unknown ones stay as they are). */
function substitute(command: string[], parameters: Record<string, string>): string[] {
  return command.map((word) => (word.startsWith('Ref::') && word.slice(5) in parameters ? parameters[word.slice(5)]! : word));
}
