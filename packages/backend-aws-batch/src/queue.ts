/**
 * The job queue a run uses, and what it runs on: an existing queue (`compute.queue`,
 * `MXN_AWS_BATCH_QUEUE`), whose first compute environment says Fargate or EC2; or (`compute.managed`)
 * a managed compute environment mxn creates with `minvCpus: 0`, so nothing runs while idle, and a
 * queue for it. One mxn created is put back to `minvCpus: 0` whenever a run finds it otherwise.
 */
import {
  CreateComputeEnvironmentCommand,
  CreateJobQueueCommand,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
  UpdateComputeEnvironmentCommand,
  type BatchClient,
  type ComputeEnvironmentDetail,
  type PlatformCapability,
} from '@aws-sdk/client-batch';
import { BackendError } from '@mxn/core';
import type { AwsBatchBackendOptions } from './options.js';

export interface RunQueue {
  /** The queue's name or ARN, as SubmitJob takes it. */
  queue: string;
  platform: PlatformCapability;
  /** The compute environment's maxvCpus, when known (it caps how many cells run at once). */
  maxvCpus?: number;
  /** mxn made (or keeps) the compute environment. */
  managed: boolean;
}

/** The tag that marks a compute environment as mxn's own. */
const MANAGED_TAG = 'mxn:managed';

const platformOf = (ce: ComputeEnvironmentDetail | undefined): PlatformCapability =>
  ce?.computeResources?.type?.startsWith('FARGATE') ? 'FARGATE' : 'EC2';

/** The name of the queue the options point at (a managed one's included), without looking anything up or creating it. */
export function queueName(options: Pick<AwsBatchBackendOptions, 'queue' | 'managed'>): string {
  if (options.managed) return `${options.managed.name ?? 'mxn'}-queue`;
  if (!options.queue) {
    throw new BackendError('aws-batch: no job queue', {
      code: 'Config',
      hint: 'set compute.queue (or MXN_AWS_BATCH_QUEUE), or compute.managed to have mxn create one',
    });
  }
  return options.queue;
}

/** Whether a queue exists (DescribeJobQueues; nothing is created). */
export async function queueExists(client: BatchClient, queue: string): Promise<boolean> {
  const { jobQueues = [] } = await client.send(new DescribeJobQueuesCommand({ jobQueues: [queue] }));
  return jobQueues.length > 0;
}

/** The queue the run submits to, created first when the options ask for a managed one. */
export async function openQueue(client: BatchClient, options: AwsBatchBackendOptions, concurrency: number): Promise<RunQueue> {
  if (options.managed) return ensureManaged(client, options.managed, Math.max(1, concurrency) * (options.vcpus ?? 1), options.log);
  const queue = queueName(options);
  const { jobQueues = [] } = await client.send(new DescribeJobQueuesCommand({ jobQueues: [queue] }));
  const found = jobQueues[0];
  if (!found) {
    throw new BackendError(`aws-batch: job queue ${queue} does not exist`, {
      code: 'Config',
      hint: 'name an existing queue in compute.queue or MXN_AWS_BATCH_QUEUE (npx mxn-emulators prints the loopback one)',
    });
  }
  const first = [...(found.computeEnvironmentOrder ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0))[0];
  const ce = first?.computeEnvironment
    ? (await client.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: [first.computeEnvironment] })))
        .computeEnvironments?.[0]
    : undefined;
  const maxvCpus = ce?.computeResources?.maxvCpus;
  return { queue, platform: platformOf(ce), ...(maxvCpus !== undefined ? { maxvCpus } : {}), managed: false };
}

async function ensureManaged(
  client: BatchClient,
  managed: NonNullable<AwsBatchBackendOptions['managed']>,
  defaultMax: number,
  log?: (line: string) => void,
): Promise<RunQueue> {
  const name = managed.name ?? 'mxn';
  const queue = queueName({ managed });
  const maxvCpus = managed.maxvCpus ?? defaultMax;
  const type = managed.type ?? 'EC2';
  const fargate = type.startsWith('FARGATE');
  const { computeEnvironments = [] } = await client.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: [name] }));
  const ce = computeEnvironments[0];
  if (!ce) {
    await client.send(
      new CreateComputeEnvironmentCommand({
        computeEnvironmentName: name,
        type: 'MANAGED',
        state: 'ENABLED',
        computeResources: {
          type,
          minvCpus: fargate ? undefined : 0,
          maxvCpus,
          subnets: managed.subnets,
          ...(managed.securityGroupIds ? { securityGroupIds: managed.securityGroupIds } : {}),
          ...(!fargate ? { instanceTypes: managed.instanceTypes ?? ['optimal'] } : {}),
          ...(!fargate && managed.instanceRole ? { instanceRole: managed.instanceRole } : {}),
        },
        tags: { [MANAGED_TAG]: 'true' },
      }),
    );
    log?.(`aws-batch: created compute environment ${name} (${type}, 0–${maxvCpus} vCPUs) and queue ${queue}`);
  } else {
    if (ce.tags?.[MANAGED_TAG] !== 'true') {
      throw new BackendError(`aws-batch: compute environment ${name} exists and was not created by mxn`, {
        code: 'Config',
        hint: 'name another in compute.managed.name, or use its queue with compute.queue',
      });
    }
    const resources = ce.computeResources;
    if ((resources?.maxvCpus ?? 0) !== maxvCpus || (!fargate && (resources?.minvCpus ?? 0) !== 0)) {
      await client.send(
        new UpdateComputeEnvironmentCommand({
          computeEnvironment: name,
          computeResources: { maxvCpus, ...(fargate ? {} : { minvCpus: 0 }) },
        }),
      );
    }
  }
  const { jobQueues = [] } = await client.send(new DescribeJobQueuesCommand({ jobQueues: [queue] }));
  if (!jobQueues[0]) {
    await client.send(
      new CreateJobQueueCommand({
        jobQueueName: queue,
        state: 'ENABLED',
        priority: 1,
        computeEnvironmentOrder: [{ order: 1, computeEnvironment: name }],
        tags: { [MANAGED_TAG]: 'true' },
      }),
    );
  }
  return { queue, platform: fargate ? 'FARGATE' : 'EC2', maxvCpus, managed: true };
}
