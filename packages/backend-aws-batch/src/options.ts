import type { BatchClientConfig } from '@aws-sdk/client-batch';
import type { Store } from '@mxn/storage';
import type { AwsBatchSettings } from './settings.js';

/**
 * Options of `awsBatchBackend()`. The queue and job shape (`queue` … `executionRoleArn`) are what an
 * experiment's aws-batch settings give (`AwsBatchSettings`, mapped by `optionsFromEnv`).
 */
export interface AwsBatchBackendOptions {
  /** Region. Default: the SDK's (`AWS_REGION`, the shared config). */
  region?: string;
  /** Endpoint of the Batch API. Default: the SDK's (`AWS_ENDPOINT_URL_BATCH`, else the region's). */
  endpoint?: string;
  /** Credentials. Default: the AWS default credential chain. */
  credentials?: BatchClientConfig['credentials'];
  /** Job queue (`compute.queue`, `MXN_AWS_BATCH_QUEUE`); required unless `managed` is given. */
  queue?: string;
  /** Create (or reuse) a managed compute environment with minvCpus 0 and a queue for it (`compute.managed`). */
  managed?: NonNullable<AwsBatchSettings['managed']>;
  /** vCPUs per cell (`compute.vcpus`). Default 1. */
  vcpus?: number;
  /** MiB of memory per cell (`compute.memory`). Default 2048. */
  memory?: number;
  /** GPUs per cell (`compute.gpus`). Default none. */
  gpus?: number;
  /** Role the cells' containers run as (`compute.jobRoleArn`). Default none. */
  jobRoleArn?: string;
  /** Execution role (`compute.executionRoleArn`; Fargate needs one). */
  executionRoleArn?: string;
  /** Most cells at once: sizes a managed compute environment (maxvCpus = concurrency × vcpus). Default: the run's `limits.concurrency`. */
  concurrency?: number;
  /** Staging store used when the experiment names none. Default `MXN_STAGING`. */
  defaultStaging?: string;
  /** Opens the staging store. Default `openStore` of @mxn/storage. */
  openStore?: (uri: string) => Promise<Store>;
  /** Registry prefix of images mxn builds. Default `MXN_REGISTRY`, else `mxn.local`. */
  registryPrefix?: string;
  /** ms between progress polls. Default 5000. */
  pollIntervalMs?: number;
  /** Attempts per API call, the first included (SDK adaptive retry mode). Default 8. */
  maxAttempts?: number;
  /**
   * When the signal aborts, leave the jobs running and resolve (as if this process were killed),
   * instead of terminating them. For tests and hand-offs; a later `run()` re-attaches. Default false.
   */
  detachOnAbort?: boolean;
  /** Lifetime of the presigned URLs given to tasks, in seconds. Default: 2 × timeout × (retries + 1), at least 1 h, at most 7 days. */
  urlLifetimeSeconds?: number;
  /** Most children per array job (AWS Batch allows 10,000). Default 10,000; tests lower it. */
  maxArraySize?: number;
  /** Lines of stderr kept in a failed cell's `error`. Default 20. */
  stderrTailLines?: number;
  /** Where a run says what it does besides its cells (a compute environment it creates). Default: nowhere. */
  log?: (line: string) => void;
}
