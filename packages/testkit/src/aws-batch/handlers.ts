/**
 * The AWS Batch operations the loopback service serves, over its store: jobs (submit, describe, list,
 * terminate, cancel), job definitions, job queues and compute environments. Bodies have already been
 * checked against the spec facts; these add the checks that need the service's state.
 */
import { randomUUID } from 'node:crypto';
import { AwsServiceError } from '../aws/errors.js';
import type { AwsSpecFacts } from '../aws/facts.js';
import type { AwsHandler } from '../aws/http-service.js';
import {
  type AwsBatchStore,
  type ComputeEnvironment,
  type Job,
  JOB_STATUSES,
  type JobContainer,
  type JobDependency,
  type JobQueue,
  type Json,
} from './model.js';
import type { AwsBatchScheduler } from './scheduler.js';

const client = (message: string) => new AwsServiceError('ClientException', message, 400);

/** `arn:…:job-definition/name:3` → `name`. */
const definitionNameOf = (arn: string): string => arn.split('/').pop()!.replace(/:\d+$/, '');

/** An opaque page token: the offset, base64. */
const pageToken = (offset: number): string => Buffer.from(`loopback:${offset}`).toString('base64');
function pageOffset(token: unknown): number {
  if (token === undefined || token === null) return 0;
  const m = /^loopback:(\d+)$/.exec(Buffer.from(String(token), 'base64').toString());
  if (!m) throw client('Invalid nextToken.');
  return Number(m[1]);
}
function page<T>(items: T[], input: Json, pageMax: number): { items: T[]; nextToken?: string } {
  const offset = pageOffset(input.nextToken);
  const size = Math.min(Number(input.maxResults ?? pageMax), pageMax);
  const slice = items.slice(offset, offset + size);
  return offset + size < items.length ? { items: slice, nextToken: pageToken(offset + size) } : { items: slice };
}

/** The public shape of a job (`JobDetail`). */
function jobDetail(store: AwsBatchStore, job: Job): Json {
  const children = job.children?.map((id) => store.jobs.get(id)!);
  const statusSummary = children
    ? Object.fromEntries(JOB_STATUSES.map((s) => [s, children.filter((c) => c.status === s).length]))
    : undefined;
  const { exitCode, reason, logStreamName, ...container } = job.container;
  return {
    jobArn: job.jobArn,
    jobName: job.jobName,
    jobId: job.jobId,
    jobQueue: job.jobQueue,
    status: job.status,
    ...(job.statusReason ? { statusReason: job.statusReason } : {}),
    attempts: job.attempts,
    createdAt: job.createdAt,
    ...(job.retryStrategy ? { retryStrategy: job.retryStrategy } : {}),
    ...(job.startedAt !== undefined ? { startedAt: job.startedAt } : {}),
    ...(job.stoppedAt !== undefined ? { stoppedAt: job.stoppedAt } : {}),
    dependsOn: job.dependsOn,
    jobDefinition: job.jobDefinition,
    parameters: job.parameters,
    container: {
      ...container,
      ...(exitCode !== undefined ? { exitCode } : {}),
      ...(reason !== undefined ? { reason } : {}),
      ...(logStreamName !== undefined ? { logStreamName } : {}),
    },
    ...(job.timeout ? { timeout: job.timeout } : {}),
    ...(job.tags ? { tags: job.tags } : {}),
    ...(job.propagateTags !== undefined ? { propagateTags: job.propagateTags } : {}),
    platformCapabilities: job.platformCapabilities ?? [],
    ...(children
      ? {
          arrayProperties: {
            statusSummary,
            size: job.arraySize,
            statusSummaryLastUpdatedAt: Math.max(...children.map((c) => c.updatedAt)),
          },
        }
      : job.arrayIndex !== undefined
        ? { arrayProperties: { index: job.arrayIndex } }
        : {}),
  };
}

function jobSummary(job: Job): Json {
  return {
    jobArn: job.jobArn,
    jobId: job.jobId,
    jobName: job.jobName,
    createdAt: job.createdAt,
    status: job.status,
    ...(job.statusReason ? { statusReason: job.statusReason } : {}),
    ...(job.startedAt !== undefined ? { startedAt: job.startedAt } : {}),
    ...(job.stoppedAt !== undefined ? { stoppedAt: job.stoppedAt } : {}),
    ...(job.container.exitCode !== undefined || job.container.reason
      ? { container: { exitCode: job.container.exitCode, reason: job.container.reason } }
      : {}),
    ...(job.arraySize !== undefined ? { arrayProperties: { size: job.arraySize } } : {}),
    ...(job.arrayIndex !== undefined ? { arrayProperties: { index: job.arrayIndex } } : {}),
    jobDefinition: job.jobDefinition,
  };
}

/** The container of a new job: the definition's properties, then the overrides (environment merged by name). */
function containerFor(definition: Json | undefined, overrides: Json | undefined): JobContainer {
  const base = { ...(definition ?? {}) } as JobContainer;
  if (!overrides) return base;
  if (Array.isArray(overrides.command)) {
    if ((overrides.command as string[]).some((w) => w === '')) throw client('containerOverrides.command cannot contain an empty string.');
    base.command = overrides.command as string[];
  }
  if (Array.isArray(overrides.environment)) {
    const env = new Map((base.environment ?? []).map((e) => [e.name, e.value]));
    for (const e of overrides.environment as { name: string; value: string }[]) env.set(e.name, e.value);
    base.environment = [...env].map(([name, value]) => ({ name, value }));
  }
  if (Array.isArray(overrides.resourceRequirements)) {
    const req = new Map((base.resourceRequirements ?? []).map((r) => [r.type, r.value]));
    for (const r of overrides.resourceRequirements as { type: string; value: string }[]) req.set(r.type, r.value);
    base.resourceRequirements = [...req].map(([type, value]) => ({ type, value }));
  }
  for (const key of ['vcpus', 'memory'] as const) if (overrides[key] !== undefined) base[key] = overrides[key] as number;
  return base;
}

export function awsBatchHandlers(store: AwsBatchStore, scheduler: AwsBatchScheduler, facts: AwsSpecFacts, clock: () => Date) {
  const now = () => clock().getTime();
  const listLimits = facts.limits['ListJobsRequest.maxResults'];
  const pageMax = listLimits?.pageMax ?? 1000;
  const filteredPageMax = listLimits?.filteredPageMax ?? pageMax;
  const fargateMemory = facts.limits['ResourceRequirement.value']?.combinations ?? {};

  const submitJob: AwsHandler = (input) => {
    const queue = store.jobQueue(String(input.jobQueue));
    if (!queue || queue.status === 'DELETED') throw client(`Job queue ${input.jobQueue} does not exist.`);
    if (queue.state !== 'ENABLED') throw client(`Job queue ${queue.jobQueueName} is DISABLED and does not accept jobs.`);
    const definition = store.jobDefinition(String(input.jobDefinition));
    if (definition?.status !== 'ACTIVE') throw client(`Job definition ${input.jobDefinition} does not exist or is not ACTIVE.`);
    const dependsOn = (input.dependsOn as JobDependency[] | undefined) ?? [];
    const size = (input.arrayProperties as { size?: number } | undefined)?.size;
    for (const dep of dependsOn) {
      if (dep.type === 'SEQUENTIAL') {
        if (dep.jobId) throw client('A SEQUENTIAL dependency takes no jobId: it orders the children of this array job.');
        if (size === undefined) throw client('A SEQUENTIAL dependency is only valid for an array job.');
        continue;
      }
      const target = store.jobs.get(dep.jobId ?? '');
      if (!target) throw client(`Dependent job ${dep.jobId ?? '(none)'} does not exist.`);
      if (dep.type === 'N_TO_N' && (size === undefined || target.arraySize !== size)) {
        throw client('An N_TO_N dependency needs two array jobs of the same size.');
      }
    }
    const jobId = randomUUID();
    const container = containerFor(definition.containerProperties, input.containerOverrides as Json | undefined);
    const base = {
      jobName: String(input.jobName),
      jobQueue: queue.jobQueueArn,
      jobDefinition: definition.jobDefinitionArn,
      createdAt: now(),
      updatedAt: now(),
      parameters: { ...definition.parameters, ...(input.parameters as Record<string, string> | undefined) },
      retryStrategy: (input.retryStrategy ?? definition.retryStrategy) as Job['retryStrategy'],
      timeout: (input.timeout ?? definition.timeout) as Job['timeout'],
      ...(input.tags ? { tags: input.tags as Json } : {}),
      propagateTags: Boolean(input.propagateTags ?? definition.propagateTags ?? false),
      platformCapabilities: definition.platformCapabilities ?? ['EC2'],
      attempts: [],
      vcpus: 0,
    };
    const job: Job = { ...base, jobId, jobArn: store.arn('job', jobId), status: 'SUBMITTED', dependsOn, container };
    store.jobs.set(jobId, job);
    if (size !== undefined) {
      job.arraySize = size;
      job.children = [];
      for (let index = 0; index < size; index++) {
        const childId = `${jobId}:${index}`;
        job.children.push(childId);
        store.jobs.set(childId, {
          ...base,
          attempts: [],
          jobId: childId,
          jobArn: store.arn('job', childId),
          status: 'SUBMITTED',
          dependsOn: [],
          container: structuredClone(container),
          arrayIndex: index,
          parentId: jobId,
        });
      }
    }
    return { jobArn: job.jobArn, jobName: job.jobName, jobId };
  };

  const describeJobs: AwsHandler = (input) => ({
    jobs: (input.jobs as string[]).flatMap((id) => {
      const job = store.jobs.get(id);
      return job ? [jobDetail(store, job)] : [];
    }),
  });

  const listJobs: AwsHandler = (input) => {
    let jobs: Job[];
    if (input.arrayJobId) {
      const parent = store.jobs.get(String(input.arrayJobId));
      if (!parent?.children) throw client(`Job ${input.arrayJobId} is not an array job.`);
      jobs = parent.children.map((id) => store.jobs.get(id)!);
    } else if (input.jobQueue) {
      const queue = store.jobQueue(String(input.jobQueue));
      if (!queue) throw client(`Job queue ${input.jobQueue} does not exist.`);
      jobs = [...store.jobs.values()].filter((j) => j.jobQueue === queue.jobQueueArn && j.parentId === undefined);
    } else if (input.multiNodeJobId) {
      jobs = [];
    } else {
      throw client('One of jobQueue, arrayJobId or multiNodeJobId must be given.');
    }
    // "Only one filter can be used at a time": the facts limit `filters` to one item (validation answers ClientException).
    const filter = (input.filters as { name?: string; values?: string[] }[] | undefined)?.[0];
    if (filter) {
      const { name, values = [] } = filter;
      // "If the value ends with an asterisk (*), the filter matches any job name that begins with the string before the '*'."
      const test = (v: string, p: string) => (p.endsWith('*') ? v.startsWith(p.slice(0, -1)) : v === p);
      const any = (v: string) => values.some((p) => test(v, p));
      // JOB_NAME: "The value of the filter is a case-insensitive match for the job name."
      const anyName = (v: string) => values.some((p) => test(v.toLowerCase(), p.toLowerCase()));
      // JOB_DEFINITION: "The value is case sensitive." (by name: any revision; by ARN: that revision)
      if (name === 'JOB_NAME') jobs = jobs.filter((j) => anyName(j.jobName));
      else if (name === 'JOB_DEFINITION') jobs = jobs.filter((j) => any(j.jobDefinition) || any(definitionNameOf(j.jobDefinition)));
      else if (name === 'AFTER_CREATED_AT') jobs = jobs.filter((j) => j.createdAt > Number(values[0]));
      else if (name === 'BEFORE_CREATED_AT') jobs = jobs.filter((j) => j.createdAt < Number(values[0]));
      else throw client(`Unknown filter ${name}.`);
      // "The results are sorted by the createdAt field, with the most recent jobs being first."
      // (`jobs` is a fresh filtered list; the stable sort of it reversed puts the later submitted first among equal times.)
      jobs = jobs.reverse().sort((a, b) => b.createdAt - a.createdAt);
    } else {
      // "If the filters parameter is specified, the jobStatus parameter is ignored … If you don't specify a status,
      // only RUNNING jobs are returned."
      const status = String(input.jobStatus ?? 'RUNNING');
      jobs = jobs.filter((j) => j.status === status);
    }
    // "When --job-status is used, Batch returns up to 1000 values. When --filters is used, Batch returns up to 100 values."
    // (a larger maxResults is lowered to that, not refused: the facts' pageMax and filteredPageMax).
    const { items, nextToken } = page(jobs, input, filter ? filteredPageMax : pageMax);
    return { jobSummaryList: items.map(jobSummary), ...(nextToken ? { nextToken } : {}) };
  };

  const stopJob =
    (terminate: boolean): AwsHandler =>
    (input) => {
      const job = store.jobs.get(String(input.jobId));
      if (!job) throw client(`Job ${input.jobId} does not exist.`);
      scheduler.requestStop(job, String(input.reason), terminate);
      return {};
    };

  /**
   * Fargate resources, per `ResourceRequirement.value`: "GPUs aren't available for jobs that are running on Fargate
   * resources"; MEMORY "must match one of the supported values and the VCPU values must be one of the values supported for
   * that memory value" (the facts' `combinations`).
   */
  const checkFargateResources = (requirements: unknown): void => {
    const list = (Array.isArray(requirements) ? requirements : []) as { type?: string; value?: string }[];
    const of = (type: string) => list.find((r) => r.type === type)?.value;
    if (of('GPU') !== undefined) throw client("GPUs aren't available for jobs that are running on Fargate resources.");
    const memory = of('MEMORY');
    const vcpu = of('VCPU');
    if (memory === undefined || vcpu === undefined) throw client('Fargate job definitions need VCPU and MEMORY resourceRequirements.');
    const allowed = fargateMemory[memory];
    if (!allowed) throw client(`Fargate resource requirements: MEMORY ${memory} is not a supported value.`);
    if (!allowed.includes(vcpu)) throw client(`Fargate resource requirements: VCPU ${vcpu} is not supported with MEMORY ${memory}.`);
  };

  const registerJobDefinition: AwsHandler = (input) => {
    const name = String(input.jobDefinitionName);
    if (input.type === 'container' && !input.containerProperties && !input.ecsProperties && !input.eksProperties) {
      throw client('A container job definition needs containerProperties.');
    }
    const image = (input.containerProperties as Json | undefined)?.image;
    if (input.containerProperties && typeof image !== 'string') throw client('containerProperties.image is required.');
    const platforms = (input.platformCapabilities as string[] | undefined) ?? [];
    if (platforms.includes('FARGATE')) checkFargateResources((input.containerProperties as Json | undefined)?.resourceRequirements);
    const revision = store.jobDefinitions.filter((d) => d.jobDefinitionName === name).length + 1;
    const jobDefinitionArn = store.arn('job-definition', `${name}:${revision}`);
    store.jobDefinitions.push({
      jobDefinitionName: name,
      jobDefinitionArn,
      revision,
      status: 'ACTIVE',
      type: String(input.type),
      ...(input.containerProperties ? { containerProperties: input.containerProperties as Json } : {}),
      ...(input.parameters ? { parameters: input.parameters as Record<string, string> } : {}),
      ...(input.retryStrategy ? { retryStrategy: input.retryStrategy as Json } : {}),
      ...(input.timeout ? { timeout: input.timeout as { attemptDurationSeconds?: number } } : {}),
      ...(input.tags ? { tags: input.tags as Json } : {}),
      ...(input.propagateTags !== undefined ? { propagateTags: Boolean(input.propagateTags) } : {}),
      ...(input.platformCapabilities ? { platformCapabilities: input.platformCapabilities as string[] } : {}),
      containerOrchestrationType: 'ECS',
    });
    return { jobDefinitionName: name, jobDefinitionArn, revision };
  };

  const describeJobDefinitions: AwsHandler = (input) => {
    let defs = [...store.jobDefinitions];
    const refs = input.jobDefinitions as string[] | undefined;
    if (refs?.length) defs = refs.flatMap((r) => store.jobDefinition(r) ?? []);
    if (input.jobDefinitionName) defs = defs.filter((d) => d.jobDefinitionName === input.jobDefinitionName);
    if (input.status) defs = defs.filter((d) => d.status === input.status);
    const { items, nextToken } = page(defs, input, 100);
    return { jobDefinitions: items, ...(nextToken ? { nextToken } : {}) };
  };

  const publicQueue = (q: JobQueue): Json => ({ ...q });
  const publicCe = (ce: ComputeEnvironment): Json => {
    if (!ce.computeResources) return { ...ce };
    let used = 0;
    for (const j of store.jobs.values()) if (j.computeEnvironment === ce.computeEnvironmentArn) used += j.vcpus;
    const desiredvCpus = Math.max(Number(ce.computeResources.minvCpus ?? 0), Math.ceil(used));
    return { ...ce, computeResources: { ...ce.computeResources, desiredvCpus } };
  };

  const describeJobQueues: AwsHandler = (input) => {
    const refs = input.jobQueues as string[] | undefined;
    const queues = refs?.length ? refs.flatMap((r) => store.jobQueue(r) ?? []) : [...store.jobQueues.values()];
    const { items, nextToken } = page(queues, input, 100);
    return { jobQueues: items.map(publicQueue), ...(nextToken ? { nextToken } : {}) };
  };

  const describeComputeEnvironments: AwsHandler = (input) => {
    const refs = input.computeEnvironments as string[] | undefined;
    const ces = refs?.length ? refs.flatMap((r) => store.computeEnvironment(r) ?? []) : [...store.computeEnvironments.values()];
    const { items, nextToken } = page(ces, input, 100);
    return { computeEnvironments: items.map(publicCe), ...(nextToken ? { nextToken } : {}) };
  };

  const createComputeEnvironment: AwsHandler = (input) => {
    const name = String(input.computeEnvironmentName);
    if (store.computeEnvironments.has(name)) throw client('Object already exists');
    const resources = input.computeResources as Json | undefined;
    if (input.type === 'MANAGED' && !resources) throw client('computeResources is required for a MANAGED compute environment.');
    if (resources && Number(resources.minvCpus ?? 0) > Number(resources.maxvCpus))
      throw client('minvCpus cannot be greater than maxvCpus.');
    const ce: ComputeEnvironment = {
      computeEnvironmentName: name,
      computeEnvironmentArn: store.arn('compute-environment', name),
      type: String(input.type),
      state: String(input.state ?? 'ENABLED'),
      status: 'VALID',
      statusReason: 'ComputeEnvironment Healthy',
      ...(resources ? { computeResources: { ...resources, desiredvCpus: resources.desiredvCpus ?? resources.minvCpus ?? 0 } } : {}),
      ...(input.serviceRole ? { serviceRole: String(input.serviceRole) } : {}),
      ...(input.tags ? { tags: input.tags as Json } : {}),
      uuid: randomUUID(),
      containerOrchestrationType: 'ECS',
    };
    store.computeEnvironments.set(name, ce);
    return { computeEnvironmentName: name, computeEnvironmentArn: ce.computeEnvironmentArn };
  };

  const resolveOrder = (order: { order: number; computeEnvironment: string }[]) =>
    order.map(({ order: o, computeEnvironment }) => {
      const ce = store.computeEnvironment(computeEnvironment);
      if (ce?.status !== 'VALID') throw client(`Compute environment ${computeEnvironment} does not exist or is not VALID.`);
      return { order: o, computeEnvironment: ce.computeEnvironmentArn };
    });

  const createJobQueue: AwsHandler = (input) => {
    const name = String(input.jobQueueName);
    if (store.jobQueues.has(name)) throw client('Object already exists');
    const queue: JobQueue = {
      jobQueueName: name,
      jobQueueArn: store.arn('job-queue', name),
      state: String(input.state ?? 'ENABLED'),
      status: 'VALID',
      statusReason: 'JobQueue Healthy',
      priority: Number(input.priority),
      computeEnvironmentOrder: resolveOrder((input.computeEnvironmentOrder as JobQueue['computeEnvironmentOrder']) ?? []),
      ...(input.tags ? { tags: input.tags as Json } : {}),
    };
    store.jobQueues.set(name, queue);
    return { jobQueueName: name, jobQueueArn: queue.jobQueueArn };
  };

  const updateComputeEnvironment: AwsHandler = (input) => {
    const ce = store.computeEnvironment(String(input.computeEnvironment));
    if (!ce) throw client(`Compute environment ${input.computeEnvironment} does not exist.`);
    if (input.state) ce.state = String(input.state);
    if (input.computeResources && ce.computeResources) Object.assign(ce.computeResources, input.computeResources);
    if (input.serviceRole) ce.serviceRole = String(input.serviceRole);
    return { computeEnvironmentName: ce.computeEnvironmentName, computeEnvironmentArn: ce.computeEnvironmentArn };
  };

  const updateJobQueue: AwsHandler = (input) => {
    const queue = store.jobQueue(String(input.jobQueue));
    if (!queue) throw client(`Job queue ${input.jobQueue} does not exist.`);
    if (input.state) queue.state = String(input.state);
    if (input.priority !== undefined) queue.priority = Number(input.priority);
    if (input.computeEnvironmentOrder)
      queue.computeEnvironmentOrder = resolveOrder(input.computeEnvironmentOrder as JobQueue['computeEnvironmentOrder']);
    return { jobQueueName: queue.jobQueueName, jobQueueArn: queue.jobQueueArn };
  };

  const deleteComputeEnvironment: AwsHandler = (input) => {
    const ce = store.computeEnvironment(String(input.computeEnvironment));
    if (!ce) throw client(`Compute environment ${input.computeEnvironment} does not exist.`);
    if (ce.state !== 'DISABLED') throw client('Cannot delete, found existing JobQueue relationship or the compute environment is ENABLED.');
    for (const q of store.jobQueues.values()) {
      if (q.computeEnvironmentOrder.some((o) => o.computeEnvironment === ce.computeEnvironmentArn)) {
        throw client('Cannot delete, found existing JobQueue relationship');
      }
    }
    store.computeEnvironments.delete(ce.computeEnvironmentName);
    return {};
  };

  const deleteJobQueue: AwsHandler = (input) => {
    const queue = store.jobQueue(String(input.jobQueue));
    if (!queue) throw client(`Job queue ${input.jobQueue} does not exist.`);
    if (queue.state !== 'DISABLED') throw client('Job queue must be DISABLED before it is deleted.');
    store.jobQueues.delete(queue.jobQueueName);
    return {};
  };

  return {
    SubmitJob: submitJob,
    DescribeJobs: describeJobs,
    ListJobs: listJobs,
    TerminateJob: stopJob(true),
    CancelJob: stopJob(false),
    RegisterJobDefinition: registerJobDefinition,
    DescribeJobDefinitions: describeJobDefinitions,
    DescribeJobQueues: describeJobQueues,
    DescribeComputeEnvironments: describeComputeEnvironments,
    CreateComputeEnvironment: createComputeEnvironment,
    CreateJobQueue: createJobQueue,
    UpdateComputeEnvironment: updateComputeEnvironment,
    UpdateJobQueue: updateJobQueue,
    DeleteComputeEnvironment: deleteComputeEnvironment,
    DeleteJobQueue: deleteJobQueue,
  } satisfies Record<string, AwsHandler>;
}
