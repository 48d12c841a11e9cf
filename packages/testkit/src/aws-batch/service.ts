/**
 * `startAwsBatchService()`: a loopback AWS Batch service (REST API 2016-08-10, rest-json, `/v1/…`) for
 * tests and offline runs. It checks SigV4 signatures and request bodies like the service, keeps compute
 * environments, queues, job definitions and jobs in memory, and really runs jobs (see README.md).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalImages } from '../batch/runner.js';
import { dockerAvailableSync } from '../docker/engine.js';
import { loadFacts, type AwsSpecFacts } from '../aws/facts.js';
import { startAwsHttp, type AwsRecordedRequest } from '../aws/http-service.js';
import { AwsInjector, type AwsInjection, type AwsInjectionHandle } from '../aws/inject.js';
import { recordedLeaks, throwOnLeaks, type SecretLeak } from '../aws/secrets.js';
import type { AwsCredentials } from '../aws/sigv4.js';
import { awsBatchHandlers } from './handlers.js';
import { AwsBatchStore, type Job } from './model.js';
import { attemptLogs, type AwsBatchRuntime } from './runner.js';
import { AwsBatchScheduler } from './scheduler.js';

/** The facts the loopback AWS Batch service validates against (derived from the 2016-08-10 description). */
export const awsBatchSpecFacts: AwsSpecFacts = loadFacts(import.meta.url, 'aws-batch');

/** Access key the fakes accept unless told otherwise (s3rver's, so one set of credentials serves S3, Batch and ECR). */
export const LOOPBACK_AWS_CREDENTIALS: AwsCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface AwsBatchServiceOptions {
  /** Credentials the signature check accepts. Default `[LOOPBACK_AWS_CREDENTIALS]`. */
  credentials?: readonly AwsCredentials[];
  /** Default `AWS_REGION`, else `us-east-1`. */
  region?: string;
  /** Default `123456789012`. */
  accountId?: string;
  port?: number;
  /**
   * `container`: jobs run in their image through the docker CLI (host network); `process`: as processes on this
   * machine. Default: `MXN_RUNTIME` when it names one, else `container` when an engine answers, else `process`.
   */
  runtime?: AwsBatchRuntime;
  /**
   * How images run (as the Azure fake's `images`): a map or resolver. An entry with `container` runs in the engine (in the
   * `container` runtime), one without in its folder as a process; an unknown image is pulled (`container`) or its command
   * run as is (`process`).
   */
  images?: LocalImages;
  /** Container engine CLI. Default `docker`. */
  engine?: string;
  /**
   * A compute environment and queue made at start: `MXN_AWS_BATCH_QUEUE`'s name (default `mxn-queue`),
   * a MANAGED EC2 environment with `maxvCpus` (default 8). `false`: none.
   */
  queue?: { name?: string; maxvCpus?: number } | false;
  /** ms one second of `timeout.attemptDurationSeconds` lasts. Default 1000. */
  secondMs?: number;
  /** Most attempts running at once. Default 8. */
  maxRunning?: number;
  /** Scheduler tick in ms. Default 20. */
  tickMs?: number;
  /** The service's clock (timestamps, `Date`, the signature's time check). Default: the real time. */
  clock?: () => Date;
  /** Values that must never appear in a request body or a job's environment (storage keys, …), besides the accepted secret keys. */
  secrets?: readonly string[];
  /** Where job folders go. Default: a new temp folder, removed by `stop()`. */
  rootDir?: string;
}

export interface AwsBatchService {
  /** `http://127.0.0.1:PORT`: `AWS_ENDPOINT_URL_BATCH`. */
  url: string;
  region: string;
  accountId: string;
  runtime: AwsBatchRuntime;
  credentials: readonly AwsCredentials[];
  /** The queue made at start (`mxn-queue`), if any. */
  queueName?: string;
  /** Calls per operation (`SubmitJob`, `DescribeJobs`, …, `Unknown`), live. */
  calls: Record<string, number>;
  /** Every request (operation, method, url, headers, body, status, error code), live. */
  requests: AwsRecordedRequest[];
  /** The service's state: compute environments, queues, job definitions, jobs (children as `<parent>:<index>`). */
  store: AwsBatchStore;
  inject(injection: AwsInjection): AwsInjectionHandle;
  clearInjections(): void;
  /** A job as `DescribeJobs` would show its state (undefined when unknown). */
  job(jobId: string): Job | undefined;
  /** The last attempt's stdout and stderr tails of a job. */
  logs(jobId: string): Promise<{ stdout: string; stderr: string }>;
  /** Every environment a job attempt was started with, by job id (for "no credentials reached the job" checks). */
  environments: { jobId: string; env: Record<string, string> }[];
  /**
   * Requests (bodies, headers, URLs) and job environments that carry a secret key or storage key anywhere, or a session token
   * anywhere but the `x-amz-security-token` header and presigned URLs' `X-Amz-Security-Token` (empty when none).
   */
  secretLeaks(extra?: readonly string[]): SecretLeak[];
  /** Throws, naming where, when `secretLeaks()` finds any. */
  assertNoSecrets(extra?: readonly string[]): void;
  /** Resolves when the job is SUCCEEDED or FAILED (polls the store; rejects after `timeoutMs`, default 60 s). */
  waitFor(jobId: string, timeoutMs?: number): Promise<Job>;
  resetCalls(): void;
  stop(): Promise<void>;
}

function defaultRuntime(): AwsBatchRuntime {
  const fromEnv = process.env.MXN_RUNTIME;
  if (fromEnv === 'process' || fromEnv === 'container') return fromEnv;
  return dockerAvailableSync() ? 'container' : 'process';
}

/** Starts the loopback AWS Batch service on 127.0.0.1. */
export async function startAwsBatchService(options: AwsBatchServiceOptions = {}): Promise<AwsBatchService> {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const clock = options.clock ?? (() => new Date());
  const credentials = options.credentials ?? [LOOPBACK_AWS_CREDENTIALS];
  const runtime = options.runtime ?? defaultRuntime();
  const ownRoot = options.rootDir === undefined;
  const rootDir = options.rootDir ?? (await mkdtemp(join(tmpdir(), 'mxn-aws-batch-')));
  const store = new AwsBatchStore(region, accountId);
  const injector = new AwsInjector();
  const environments: { jobId: string; env: Record<string, string> }[] = [];
  const scheduler = new AwsBatchScheduler(store, {
    rootDir,
    runtime,
    images: options.images ?? {},
    engine: options.engine ?? 'docker',
    secondMs: options.secondMs ?? 1000,
    unmanagedvCpus: 8,
    maxRunning: options.maxRunning ?? 8,
    tickMs: options.tickMs ?? 20,
    clock,
    onEnvironment: (jobId, env) => environments.push({ jobId, env: { ...env } }),
  });
  const handlers = awsBatchHandlers(store, scheduler, awsBatchSpecFacts, clock);
  let queueName: string | undefined;
  if (options.queue !== false) {
    queueName = options.queue?.name ?? process.env.MXN_AWS_BATCH_QUEUE ?? 'mxn-queue';
    const ce = `${queueName}-ce`;
    handlers.CreateComputeEnvironment({
      computeEnvironmentName: ce,
      type: 'MANAGED',
      state: 'ENABLED',
      computeResources: { type: 'EC2', minvCpus: 0, maxvCpus: options.queue?.maxvCpus ?? 8, subnets: [], instanceRole: 'ecsInstanceRole' },
    });
    handlers.CreateJobQueue({
      jobQueueName: queueName,
      priority: 1,
      state: 'ENABLED',
      computeEnvironmentOrder: [{ order: 1, computeEnvironment: ce }],
    });
  }
  const http = await startAwsHttp({
    facts: awsBatchSpecFacts,
    handlers,
    credentials: () => credentials,
    clock,
    region,
    injector,
    port: options.port,
  });
  scheduler.start();
  // The rule (see aws/secrets.ts): secret keys appear nowhere; a session token only as the x-amz-security-token header of
  // the call it signs and as a presigned URL's X-Amz-Security-Token (inherent to presigning with temporary credentials).
  const secretLeaks = (extra: readonly string[] = []) =>
    recordedLeaks(
      credentials,
      [...(options.secrets ?? []), ...extra],
      http.requests,
      environments.map((e) => ({
        where: `environment of job ${e.jobId}`,
        env: e.env,
      })),
    );
  return {
    url: http.url,
    region,
    accountId,
    runtime,
    credentials,
    ...(queueName ? { queueName } : {}),
    calls: http.calls,
    requests: http.requests,
    store,
    inject: (i) => injector.add(i),
    clearInjections: () => injector.clear(),
    job: (jobId) => store.jobs.get(jobId),
    async logs(jobId) {
      const job = store.jobs.get(jobId);
      return attemptLogs(join(rootDir, 'jobs', jobId.replace(':', '-'), String(job?.attempts.length ?? 1)));
    },
    environments,
    secretLeaks,
    assertNoSecrets: (extra) => throwOnLeaks('loopback AWS Batch', secretLeaks(extra)),
    async waitFor(jobId, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = store.jobs.get(jobId);
        if (!job) throw new Error(`loopback AWS Batch: no job ${jobId}`);
        if (job.status === 'SUCCEEDED' || job.status === 'FAILED') return job;
        if (Date.now() > deadline) throw new Error(`loopback AWS Batch: job ${jobId} is still ${job.status} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    resetCalls() {
      for (const k of Object.keys(http.calls)) delete http.calls[k];
      http.requests.length = 0;
    },
    async stop() {
      await scheduler.stop();
      await http.stop();
      if (ownRoot) await rm(rootDir, { recursive: true, force: true });
    },
  };
}
