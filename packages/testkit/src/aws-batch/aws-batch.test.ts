// The loopback AWS Batch service through the real @aws-sdk/client-batch: jobs run as processes that
// move data through presigned URLs of the S3 emulator; signatures, validation, throttling and failures.
import {
  BatchClient,
  CreateComputeEnvironmentCommand,
  CreateJobQueueCommand,
  DescribeJobsCommand,
  type JobDetail,
  ListJobsCommand,
  RegisterJobDefinitionCommand,
  SubmitJobCommand,
} from '@aws-sdk/client-batch';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { mkdtemp, readFile, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startS3, type S3Handle } from '@mxn/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutDocker } from '../docker/engine.js';
import { awsBatchSpecFacts, startAwsBatchService, type AwsBatchService } from './service.js';

let s3: S3Handle;
let batch: AwsBatchService;
let client: BatchClient;
let s3Client: S3Client;

const CHILD = `const i = process.env.AWS_BATCH_JOB_ARRAY_INDEX;
fetch(process.env['PUT_' + i], { method: 'PUT', body: String((Number(i) + 1) * 10) }).then((r) => process.exit(r.ok ? 0 : 3));`;
const FAILING_CHILD = `process.exit(process.env.AWS_BATCH_JOB_ARRAY_INDEX === '1' ? 7 : 0);`;
const AGGREGATE = `Promise.all([0, 1, 2].map((i) => fetch(process.env['GET_' + i]).then((r) => r.text())))
  .then((parts) => fetch(process.env.PUT_SUM, { method: 'PUT', body: String(parts.reduce((a, b) => a + Number(b), 0)) }))
  .then((r) => process.exit(r.ok ? 0 : 4));`;

async function describe1(jobId: string): Promise<JobDetail> {
  const { jobs } = await client.send(new DescribeJobsCommand({ jobs: [jobId] }));
  return jobs![0]!;
}

async function until(jobId: string, timeoutMs = 30_000): Promise<JobDetail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await describe1(jobId);
    if (job.status === 'SUCCEEDED' || job.status === 'FAILED') return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const presign = (method: 'GET' | 'PUT', key: string) =>
  getSignedUrl(
    s3Client,
    method === 'GET' ? new GetObjectCommand({ Bucket: 'mxn', Key: key }) : new PutObjectCommand({ Bucket: 'mxn', Key: key }),
    {
      expiresIn: 600,
    },
  );

/** Submits `jobName` with `jobDefinition` (and any other fields of SubmitJob) to the service's queue. */
const submit = (jobName: string, jobDefinition: string, input: Partial<ConstructorParameters<typeof SubmitJobCommand>[0]> = {}) =>
  client.send(new SubmitJobCommand({ jobName, jobQueue: batch.queueName!, jobDefinition, ...input }));

async function registerNode(name: string, script: string, extra: Record<string, unknown> = {}): Promise<string> {
  const { jobDefinitionArn } = await client.send(
    new RegisterJobDefinitionCommand({
      jobDefinitionName: name,
      type: 'container',
      containerProperties: { image: 'loopback/node:20', command: ['node', '-e', script], vcpus: 1, memory: 128 },
      ...extra,
    }),
  );
  return jobDefinitionArn!;
}

beforeAll(async () => {
  s3 = await startS3();
  batch = await startAwsBatchService({ runtime: 'process', region: s3.region });
  const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
  client = new BatchClient({ endpoint: batch.url, region: s3.region, credentials });
  s3Client = new S3Client({ endpoint: s3.endpoint, region: s3.region, credentials, forcePathStyle: true });
});

afterAll(async () => {
  client?.destroy();
  s3Client?.destroy();
  await batch?.stop();
  await s3?.stop();
});

describe('loopback AWS Batch service', () => {
  it('runs an array job of 3 children and an aggregate that depends on it, through presigned S3 URLs', async () => {
    const childDef = await registerNode('tiny-child', CHILD);
    const aggDef = await registerNode('tiny-aggregate', AGGREGATE);
    const environment = [];
    for (let i = 0; i < 3; i++) {
      environment.push({ name: `PUT_${i}`, value: await presign('PUT', `run/${i}.txt`) });
      environment.push({ name: `GET_${i}`, value: await presign('GET', `run/${i}.txt`) });
    }
    const array = await submit('matrix-1', childDef, { arrayProperties: { size: 3 }, containerOverrides: { environment } });
    const aggregate = await submit('aggregate-1', aggDef, {
      dependsOn: [{ jobId: array.jobId! }],
      containerOverrides: { environment: [...environment, { name: 'PUT_SUM', value: await presign('PUT', 'run/sum.txt') }] },
    });
    const parent = await until(array.jobId!);
    expect(parent.status).toBe('SUCCEEDED');
    expect(parent.arrayProperties?.statusSummary).toMatchObject({ SUCCEEDED: 3, FAILED: 0, RUNNING: 0 });
    const agg = await until(aggregate.jobId!);
    expect(agg.status).toBe('SUCCEEDED');
    expect(agg.startedAt!).toBeGreaterThanOrEqual(parent.stoppedAt!);
    const sum = await s3Client.send(new GetObjectCommand({ Bucket: 'mxn', Key: 'run/sum.txt' }));
    expect(await sum.Body!.transformToString()).toBe('60');

    const child = await describe1(`${array.jobId}:2`);
    expect(child.arrayProperties?.index).toBe(2);
    expect(child.container?.exitCode).toBe(0);
    const first = await client.send(new ListJobsCommand({ arrayJobId: array.jobId!, jobStatus: 'SUCCEEDED', maxResults: 2 }));
    expect(first.jobSummaryList).toHaveLength(2);
    const second = await client.send(
      new ListJobsCommand({ arrayJobId: array.jobId!, jobStatus: 'SUCCEEDED', maxResults: 2, nextToken: first.nextToken! }),
    );
    expect(second.jobSummaryList?.map((j) => j.arrayProperties?.index)).toEqual([2]);
    expect(second.nextToken).toBeUndefined();
    const running = await client.send(new ListJobsCommand({ arrayJobId: array.jobId!, jobStatus: 'RUNNING' }));
    expect(running.jobSummaryList).toEqual([]);
    expect(batch.environments.find((e) => e.jobId === `${array.jobId}:1`)?.env.AWS_BATCH_JOB_ARRAY_INDEX).toBe('1');
    expect(() => batch.assertNoSecrets()).not.toThrow();
  });

  it('fails the parent when a child fails after its retries, and fails the job that depends on it', async () => {
    const def = await registerNode('flaky', FAILING_CHILD, { retryStrategy: { attempts: 2 } });
    const array = await submit('matrix-2', def, { arrayProperties: { size: 3 } });
    const aggregate = await submit('aggregate-2', def, { dependsOn: [{ jobId: array.jobId! }] });
    const parent = await until(array.jobId!);
    expect(parent.status).toBe('FAILED');
    expect(parent.arrayProperties?.statusSummary).toMatchObject({ SUCCEEDED: 2, FAILED: 1 });
    const failed = await describe1(`${array.jobId}:1`);
    expect(failed.attempts?.map((a) => a.container?.exitCode)).toEqual([7, 7]);
    expect(failed.statusReason).toBe('Essential container in task exited');
    const agg = await until(aggregate.jobId!);
    expect(agg.status).toBe('FAILED');
    expect(agg.statusReason).toBe('Dependent Job failed');
    expect(agg.attempts).toEqual([]);
  });

  it('honours evaluateOnExit EXIT, SEQUENTIAL children and the attempt timeout', async () => {
    const def = await registerNode('no-retry', 'process.exit(5)', {
      retryStrategy: { attempts: 3, evaluateOnExit: [{ onExitCode: '5', action: 'EXIT' }] },
    });
    const { jobId } = await submit('exit-5', def);
    const job = await until(jobId!);
    expect(job.status).toBe('FAILED');
    expect(job.attempts).toHaveLength(1);

    const seq = await registerNode('seq', 'setTimeout(() => {}, 100)');
    const array = await submit('seq', seq, { arrayProperties: { size: 3 }, dependsOn: [{ type: 'SEQUENTIAL' }] });
    await until(array.jobId!);
    const children = await Promise.all([0, 1, 2].map((i) => describe1(`${array.jobId}:${i}`)));
    expect(children[1]!.startedAt!).toBeGreaterThanOrEqual(children[0]!.stoppedAt!);
    expect(children[2]!.startedAt!).toBeGreaterThanOrEqual(children[1]!.stoppedAt!);

    const slow = await startAwsBatchService({ runtime: 'process', region: s3.region, secondMs: 5 });
    const slowClient = new BatchClient({ endpoint: slow.url, region: s3.region, credentials: slow.credentials[0]! });
    try {
      const { jobDefinitionArn } = await slowClient.send(
        new RegisterJobDefinitionCommand({
          jobDefinitionName: 'sleepy',
          type: 'container',
          timeout: { attemptDurationSeconds: 60 },
          retryStrategy: { attempts: 3 },
          containerProperties: { image: 'loopback/node:20', command: ['node', '-e', 'setTimeout(() => {}, 20000)'] },
        }),
      );
      const submitted = await slowClient.send(
        new SubmitJobCommand({ jobName: 'sleepy', jobQueue: slow.queueName!, jobDefinition: jobDefinitionArn! }),
      );
      const timedOut = await slow.waitFor(submitted.jobId!, 10_000);
      expect(timedOut.status).toBe('FAILED');
      expect(timedOut.statusReason).toBe('Job attempt duration exceeded timeout');
      expect(timedOut.attempts).toHaveLength(1);
    } finally {
      slowClient.destroy();
      await slow.stop();
    }
  });

  it('answers injected throttling with TooManyRequestsException, which the SDK retries', async () => {
    const def = await registerNode('ok', 'process.exit(0)');
    batch.resetCalls();
    const injection = batch.inject({ status: 429, operation: 'SubmitJob', times: 2 });
    const out = await submit('throttled', def);
    expect(injection.hits).toBe(2);
    expect(batch.calls.SubmitJob).toBe(3);
    expect(out.$metadata.attempts).toBe(3);
    expect(batch.requests.filter((r) => r.error).map((r) => r.error)).toEqual(['TooManyRequestsException', 'TooManyRequestsException']);
  });

  it('refuses a wrong secret with 403 InvalidSignatureException', async () => {
    const bad = new BatchClient({
      endpoint: batch.url,
      region: s3.region,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: 'wrong' },
    });
    const error = await bad
      .send(new DescribeJobsCommand({ jobs: ['x'] }))
      .catch((e: unknown) => e as Error & { $metadata: { httpStatusCode: number } });
    bad.destroy();
    expect(error).toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
    expect((error as Error).message).toMatch(/signature we calculated does not match/);
  });

  it('refuses bodies that break the documented limits with ClientException', async () => {
    const def = await registerNode('limits', 'process.exit(0)');
    /** What the service answers a job `ok` with `input` over it: the error it throws. */
    const refused = (input: Partial<ConstructorParameters<typeof SubmitJobCommand>[0]>) =>
      submit('ok', def, input).catch((e: unknown) => e as Error);
    expect(awsBatchSpecFacts.limits['ArrayProperties.size']).toEqual({ min: 2, max: 10000 });
    const one = await refused({ arrayProperties: { size: 1 } });
    expect(one).toMatchObject({ name: 'ClientException', $metadata: { httpStatusCode: 400 } });
    expect((one as Error).message).toBe(
      "1 validation error detected: Value at 'arrayProperties.size' failed to satisfy constraint: " +
        'Member must have value greater than or equal to 2',
    );
    expect(await refused({ arrayProperties: { size: 10_001 } })).toMatchObject({ name: 'ClientException' });
    const deps = Array.from({ length: 21 }, () => ({ jobId: 'x' }));
    expect((await refused({ dependsOn: deps })) as Error).toMatchObject({
      name: 'ClientException',
      message: /dependsOn.*less than or equal to 20/,
    });
    expect(await refused({ jobName: '-starts-with-hyphen' })).toMatchObject({ name: 'ClientException', message: /jobName.*pattern/ });
    expect(await refused({ jobName: 'a'.repeat(129) })).toMatchObject({ name: 'ClientException' });
    expect(await refused({ jobQueue: 'nope' })).toMatchObject({ name: 'ClientException', message: /nope/ });
  });
});

describe('loopback AWS Batch scheduler: array dependencies', () => {
  /** [startedAt, stoppedAt] of child `i` of an array job. */
  const span = async (arrayId: string, i: number): Promise<[number, number]> => {
    const child = await describe1(`${arrayId}:${i}`);
    expect(child.status).toBe('SUCCEEDED');
    return [child.startedAt!, child.stoppedAt!];
  };

  it('N_TO_N: child i of B waits for child i of A only, not for the whole of A', async () => {
    // Child i of A runs (3 - i) × 400 ms: A:2 ends first, A:0 last.
    const a = await registerNode('n-to-n-a', 'setTimeout(() => {}, (3 - Number(process.env.AWS_BATCH_JOB_ARRAY_INDEX)) * 400)');
    const b = await registerNode('n-to-n-b', 'process.exit(0)');
    const first = await submit('n-to-n-a', a, { arrayProperties: { size: 3 } });
    const second = await submit('n-to-n-b', b, { arrayProperties: { size: 3 }, dependsOn: [{ jobId: first.jobId!, type: 'N_TO_N' }] });
    expect((await until(second.jobId!)).status).toBe('SUCCEEDED');
    const as = await Promise.all([0, 1, 2].map((i) => span(first.jobId!, i)));
    const bs = await Promise.all([0, 1, 2].map((i) => span(second.jobId!, i)));
    for (let i = 0; i < 3; i++) expect(bs[i]![0], `B:${i} starts after A:${i} ends`).toBeGreaterThanOrEqual(as[i]![1]);
    // B:2 did not wait for A:0 (a plain dependency on A would have held it until every child of A ended).
    expect(bs[2]![0]).toBeLessThan(as[0]![1]);
    // An N_TO_N dependency needs two array jobs of the same size.
    const mismatch = await submit('n-to-n-c', b, {
      arrayProperties: { size: 2 },
      dependsOn: [{ jobId: first.jobId!, type: 'N_TO_N' }],
    }).catch((e: unknown) => e as Error);
    expect(mismatch).toMatchObject({ name: 'ClientException' });
  });

  it('SEQUENTIAL: the children run one after another, in index order, never two at once', async () => {
    const def = await registerNode('sequential', 'setTimeout(() => {}, 150)');
    const array = await submit('sequential', def, { arrayProperties: { size: 4 }, dependsOn: [{ type: 'SEQUENTIAL' }] });
    // While child 0 runs, child 1 is held (PENDING), though the compute environment has room for all four.
    const deadline = Date.now() + 10_000;
    while (batch.job(`${array.jobId}:0`)?.status !== 'RUNNING' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(batch.job(`${array.jobId}:1`)?.status).toBe('PENDING');
    expect((await until(array.jobId!)).status).toBe('SUCCEEDED');
    const spans = await Promise.all([0, 1, 2, 3].map((i) => span(array.jobId!, i)));
    for (let i = 1; i < 4; i++)
      expect(spans[i]![0], `child ${i} starts after child ${i - 1} ends`).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });
});

describe('loopback AWS Batch service: ListJobs filters and retry/platform checks, as the description says', () => {
  it('takes one filter at a time, matches JOB_NAME case-insensitively, lists newest first, 100 per page with a filter', async () => {
    // A queue whose compute environment is DISABLED: its jobs stay RUNNABLE, so 105 of them cost no processes.
    const idle = await startAwsBatchService({ runtime: 'process', region: s3.region, queue: false });
    const sdk = new BatchClient({ endpoint: idle.url, region: s3.region, credentials: idle.credentials[0]! });
    try {
      await sdk.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'idle-ce', type: 'UNMANAGED', state: 'DISABLED' }));
      await sdk.send(
        new CreateJobQueueCommand({
          jobQueueName: 'idle',
          priority: 1,
          computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'idle-ce' }],
        }),
      );
      const { jobDefinitionArn } = await sdk.send(
        new RegisterJobDefinitionCommand({
          jobDefinitionName: 'idle',
          type: 'container',
          containerProperties: { image: 'loopback/node:20', command: ['true'] },
        }),
      );
      const names = Array.from({ length: 105 }, (_, i) => `Run-${String(i).padStart(3, '0')}`);
      for (const jobName of names) await sdk.send(new SubmitJobCommand({ jobName, jobQueue: 'idle', jobDefinition: jobDefinitionArn! }));
      const deadline = Date.now() + 10_000;
      while ([...idle.store.jobs.values()].some((j) => j.status !== 'RUNNABLE') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }

      const byName = await sdk.send(new ListJobsCommand({ jobQueue: 'idle', filters: [{ name: 'JOB_NAME', values: ['run-00*'] }] }));
      // "a case-insensitive match for the job name"; "sorted by the createdAt field, with the most recent jobs being first"
      expect(byName.jobSummaryList?.map((j) => j.jobName)).toEqual(names.slice(0, 10).reverse());
      const exact = await sdk.send(new ListJobsCommand({ jobQueue: 'idle', filters: [{ name: 'JOB_NAME', values: ['RUN-007'] }] }));
      expect(exact.jobSummaryList?.map((j) => j.jobName)).toEqual(['Run-007']);

      // "When --filters is used, Batch returns up to 100 values" (maxResults 1000 is lowered, not refused).
      const filtered = await sdk.send(
        new ListJobsCommand({ jobQueue: 'idle', filters: [{ name: 'JOB_NAME', values: ['run-*'] }], maxResults: 1000 }),
      );
      expect(filtered.jobSummaryList).toHaveLength(100);
      expect(filtered.jobSummaryList?.[0]?.jobName).toBe('Run-104');
      const rest = await sdk.send(
        new ListJobsCommand({ jobQueue: 'idle', filters: [{ name: 'JOB_NAME', values: ['run-*'] }], nextToken: filtered.nextToken! }),
      );
      expect(rest.jobSummaryList?.map((j) => j.jobName)).toEqual(names.slice(0, 5).reverse());
      expect(rest.nextToken).toBeUndefined();
      // "When --job-status is used, Batch returns up to 1000 values".
      const byStatus = await sdk.send(new ListJobsCommand({ jobQueue: 'idle', jobStatus: 'RUNNABLE', maxResults: 1000 }));
      expect(byStatus.jobSummaryList).toHaveLength(105);
      expect(byStatus.nextToken).toBeUndefined();

      // "Only one filter can be used at a time."
      const two = await sdk
        .send(
          new ListJobsCommand({
            jobQueue: 'idle',
            filters: [
              { name: 'JOB_NAME', values: ['run-*'] },
              { name: 'AFTER_CREATED_AT', values: ['0'] },
            ],
          }),
        )
        .catch((e: unknown) => e as Error);
      expect(two).toMatchObject({ name: 'ClientException', message: /filters.*less than or equal to 1/ });
      expect(awsBatchSpecFacts.limits['ListJobsRequest.maxResults']).toEqual({ min: 1, pageMax: 1000, filteredPageMax: 100 });
    } finally {
      sdk.destroy();
      await idle.stop();
    }
  });

  it('refuses evaluateOnExit without attempts, and Fargate resources the description does not list', async () => {
    // "If this parameter is specified, then the attempts parameter must also be specified."
    const noAttempts = await registerNode('eoe', 'process.exit(0)', {
      retryStrategy: { evaluateOnExit: [{ onExitCode: '1', action: 'RETRY' }] },
    }).catch((e: unknown) => e as Error);
    expect(noAttempts).toMatchObject({ name: 'ClientException', message: /retryStrategy\.attempts/ });
    const def = await registerNode('eoe-ok', 'process.exit(0)', {
      retryStrategy: { attempts: 2, evaluateOnExit: [{ onExitCode: '1', action: 'RETRY' }] },
    });
    const submitted = await submit('eoe', def, { retryStrategy: { evaluateOnExit: [{ onExitCode: '1', action: 'EXIT' }] } }).catch(
      (e: unknown) => e as Error,
    );
    expect(submitted).toMatchObject({ name: 'ClientException', message: /retryStrategy\.attempts/ });

    // Fargate: MEMORY "must match one of the supported values and the VCPU values must be one of the values supported for that
    // memory value"; "GPUs aren't available for jobs that are running on Fargate resources".
    const fargate = (requirements: { type: 'VCPU' | 'MEMORY' | 'GPU'; value: string }[]) =>
      client
        .send(
          new RegisterJobDefinitionCommand({
            jobDefinitionName: 'fargate',
            type: 'container',
            platformCapabilities: ['FARGATE'],
            containerProperties: { image: 'loopback/node:20', command: ['true'], resourceRequirements: requirements },
          }),
        )
        .catch((e: unknown) => e as Error);
    expect(awsBatchSpecFacts.limits['ResourceRequirement.value']?.combinations?.['2048']).toEqual(['0.25', '0.5', '1']);
    expect(
      await fargate([
        { type: 'VCPU', value: '1' },
        { type: 'MEMORY', value: '2048' },
      ]),
    ).toMatchObject({ revision: 1 });
    expect(
      await fargate([
        { type: 'VCPU', value: '4' },
        { type: 'MEMORY', value: '2048' },
      ]),
    ).toMatchObject({ name: 'ClientException', message: /VCPU 4 is not supported with MEMORY 2048/ });
    expect(
      await fargate([
        { type: 'VCPU', value: '1' },
        { type: 'MEMORY', value: '1000' },
      ]),
    ).toMatchObject({ name: 'ClientException', message: /MEMORY 1000/ });
    expect(
      await fargate([
        { type: 'VCPU', value: '1' },
        { type: 'MEMORY', value: '2048' },
        { type: 'GPU', value: '1' },
      ]),
    ).toMatchObject({ name: 'ClientException', message: /GPU/ });
  });
});

describe.skipIf(skipWithoutDocker())('loopback AWS Batch service, container runtime', () => {
  it('runs a job in its image (node:20-slim), on the host network, with the job environment only', async () => {
    const service = await startAwsBatchService({ runtime: 'container', region: s3.region });
    const docker = new BatchClient({ endpoint: service.url, region: s3.region, credentials: service.credentials[0]! });
    try {
      const script = `fetch(process.env.PUT_URL, { method: 'PUT', body: process.env.AWS_BATCH_JOB_ARRAY_INDEX + ':' + 
        (process.env.AWS_SECRET_ACCESS_KEY ?? 'none') }).then((r) => process.exit(r.ok ? 0 : 3));`;
      const { jobDefinitionArn } = await docker.send(
        new RegisterJobDefinitionCommand({
          jobDefinitionName: 'in-image',
          type: 'container',
          containerProperties: { image: 'node:20-slim', command: ['node', '-e', script] },
        }),
      );
      const { jobId } = await docker.send(
        new SubmitJobCommand({
          jobName: 'in-image',
          jobQueue: service.queueName!,
          jobDefinition: jobDefinitionArn!,
          arrayProperties: { size: 2 },
          containerOverrides: { environment: [{ name: 'PUT_URL', value: await presign('PUT', 'container/out.txt') }] },
        }),
      );
      const job = await service.waitFor(jobId!, 60_000);
      expect(job.status).toBe('SUCCEEDED');
      const out = await s3Client.send(new GetObjectCommand({ Bucket: 'mxn', Key: 'container/out.txt' }));
      expect(await out.Body!.transformToString()).toMatch(/^[01]:none$/);
      service.assertNoSecrets();
    } finally {
      docker.destroy();
      await service.stop();
    }
  });
});

describe('loopback AWS Batch service, container runtime with images known as folders (as mxn-emulators runs model folders)', () => {
  it('runs a job whose image is a folder in that folder, as a process, without asking the engine for the image', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'mxn-folder-image-'));
    await writeFile(path.join(folder, 'train.js'), `require('fs').writeFileSync(process.env.OUT, 'ran in ' + process.cwd());`);
    const service = await startAwsBatchService({
      runtime: 'container',
      region: s3.region,
      // an engine that cannot answer: the folder image must not need one
      engine: 'mxn-no-such-engine',
      images: { 'mxn.local/ridge:0123456789ab': { cwd: folder } },
    });
    const sdk = new BatchClient({ endpoint: service.url, region: s3.region, credentials: service.credentials[0]! });
    try {
      const out = path.join(folder, 'out.txt');
      const { jobDefinitionArn } = await sdk.send(
        new RegisterJobDefinitionCommand({
          jobDefinitionName: 'folder-image',
          type: 'container',
          containerProperties: { image: 'mxn.local/ridge:0123456789ab', command: ['node', 'train.js'] },
        }),
      );
      const { jobId } = await sdk.send(
        new SubmitJobCommand({
          jobName: 'folder-image',
          jobQueue: service.queueName!,
          jobDefinition: jobDefinitionArn!,
          containerOverrides: { environment: [{ name: 'OUT', value: out }] },
        }),
      );
      const job = await service.waitFor(jobId!, 30_000);
      expect(job.status, job.statusReason).toBe('SUCCEEDED');
      expect(await readFile(out, 'utf8')).toBe(`ran in ${await realpath(folder)}`);
    } finally {
      sdk.destroy();
      await service.stop();
    }
  });
});
