/** What the loopback AWS Batch service keeps: compute environments, job queues, job definitions and jobs. */

export type Json = Record<string, unknown>;

export const JOB_STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface ComputeEnvironment {
  computeEnvironmentName: string;
  computeEnvironmentArn: string;
  type: string;
  state: string;
  status: string;
  statusReason: string;
  computeResources?: Json;
  serviceRole?: string;
  tags?: Json;
  uuid: string;
  containerOrchestrationType: 'ECS';
}

export interface JobQueue {
  jobQueueName: string;
  jobQueueArn: string;
  state: string;
  status: string;
  statusReason: string;
  priority: number;
  computeEnvironmentOrder: { order: number; computeEnvironment: string }[];
  tags?: Json;
}

export interface JobDefinition {
  jobDefinitionName: string;
  jobDefinitionArn: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE';
  type: string;
  containerProperties?: Json;
  parameters?: Record<string, string>;
  retryStrategy?: Json;
  timeout?: { attemptDurationSeconds?: number };
  tags?: Json;
  propagateTags?: boolean;
  platformCapabilities?: string[];
  containerOrchestrationType: 'ECS';
}

export interface JobDependency {
  jobId?: string;
  type?: 'N_TO_N' | 'SEQUENTIAL';
}

export interface AttemptDetail {
  container: { exitCode?: number; reason?: string; logStreamName: string; taskArn: string };
  startedAt?: number;
  stoppedAt?: number;
  statusReason: string;
}

/** The container a job runs: the definition's `containerProperties` with the submission's overrides applied. */
export interface JobContainer extends Json {
  image: string;
  command?: string[];
  environment?: { name: string; value: string }[];
  vcpus?: number;
  memory?: number;
  resourceRequirements?: { type: string; value: string }[];
}

export interface Job {
  jobId: string;
  jobArn: string;
  jobName: string;
  jobQueue: string;
  jobDefinition: string;
  status: JobStatus;
  statusReason?: string;
  createdAt: number;
  startedAt?: number;
  stoppedAt?: number;
  dependsOn: JobDependency[];
  parameters: Record<string, string>;
  container: JobContainer;
  retryStrategy?: {
    attempts?: number;
    evaluateOnExit?: { onStatusReason?: string; onReason?: string; onExitCode?: string; action: string }[];
  };
  timeout?: { attemptDurationSeconds?: number };
  attempts: AttemptDetail[];
  tags?: Json;
  propagateTags?: boolean;
  platformCapabilities?: string[];
  /** Array parent: its size and children ids; child: its index and parent id. */
  arraySize?: number;
  children?: string[];
  arrayIndex?: number;
  parentId?: string;
  /** Set by CancelJob / TerminateJob: the reason, and whether running attempts are stopped. */
  stopRequest?: { reason: string; terminate: boolean };
  /** When the job last changed status (ms), for `statusSummaryLastUpdatedAt` and the scheduler. */
  updatedAt: number;
  /** The compute environment an attempt runs on, while one does. */
  computeEnvironment?: string;
  /** vCPUs the running attempt holds. */
  vcpus: number;
}

export const isTerminal = (status: JobStatus): boolean => status === 'SUCCEEDED' || status === 'FAILED';

/** The service's state, in submission order. */
export class AwsBatchStore {
  readonly computeEnvironments = new Map<string, ComputeEnvironment>();
  readonly jobQueues = new Map<string, JobQueue>();
  readonly jobDefinitions: JobDefinition[] = [];
  readonly jobs = new Map<string, Job>();

  constructor(
    readonly region: string,
    readonly accountId: string,
  ) {}

  arn(kind: string, name: string): string {
    return `arn:aws:batch:${this.region}:${this.accountId}:${kind}/${name}`;
  }

  /** A compute environment by name or ARN. */
  computeEnvironment(ref: string): ComputeEnvironment | undefined {
    return this.computeEnvironments.get(ref.split('/').pop() ?? ref);
  }

  /** A job queue by name or ARN. */
  jobQueue(ref: string): JobQueue | undefined {
    return this.jobQueues.get(ref.split('/').pop() ?? ref);
  }

  /** `name`, `name:revision` or an ARN with or without the revision: without one, the latest ACTIVE revision. */
  jobDefinition(ref: string): JobDefinition | undefined {
    const [name, revision] = (ref.split('/').pop() ?? ref).split(':') as [string, string | undefined];
    const candidates = this.jobDefinitions.filter((d) => d.jobDefinitionName === name);
    if (revision !== undefined) return candidates.find((d) => d.revision === Number(revision));
    return candidates.filter((d) => d.status === 'ACTIVE').pop();
  }
}
