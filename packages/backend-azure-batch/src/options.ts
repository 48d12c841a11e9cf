import type { TokenCredential } from '@azure/identity';
import type { Store } from '@mxn/storage';

/**
 * Options of `azureBatchBackend()`. The pool and job shape (`poolId` … `workingDirectory`) are what an
 * experiment's azure-batch settings give (`AzureBatchSettings`, mapped by `optionsFromEnv`).
 */
export interface AzureBatchBackendOptions {
  /** Batch account URL, e.g. `https://acct.westeurope.batch.azure.com` (or the loopback service's URL). */
  accountUrl: string;
  /** Batch account name (SharedKey auth). */
  accountName: string;
  /** Batch account key. Default: none, then `credential` (Entra ID) is used. */
  accountKey?: string;
  /** Entra ID credential, used when `accountKey` is not given. Default: `DefaultAzureCredential`. */
  credential?: TokenCredential;
  /** Pool to create or reuse (`compute.pool`). Default `mxn`. */
  poolId?: string;
  /** Use an auto-pool per job (deleted with the job) instead of a named pool (`compute.autoPool`). Default false. */
  autoPool?: boolean;
  /** VM size of pool nodes (`compute.vmSize`). Default `standard_d2s_v3`. */
  vmSize?: string;
  /** Most nodes the pool scales to (`compute.maxNodes`). Default: ceil(concurrency / taskSlotsPerNode). */
  maxNodes?: number;
  /** Cells at once on one node (`compute.taskSlotsPerNode`). Default 1. */
  taskSlotsPerNode?: number;
  /**
   * Spot nodes instead of dedicated ones (`compute.spot`; sent as Batch's low-priority node counts,
   * which now allocate Spot). Default false.
   */
  spot?: boolean;
  /**
   * VM image of the pool's nodes (`compute.image`), `publisher/offer/sku[@version]`. Default: chosen
   * from the account's supported images (verified, Linux, `DockerCompatible`, latest end of support).
   */
  image?: string;
  /** Node agent SKU of `image` (`compute.nodeAgent`). Default: the one the account's supported images give for it. */
  nodeAgent?: string;
  /** `task`: run commands in the task's folder instead of the image's WORKDIR (`compute.workingDirectory`). Default `image`. */
  workingDirectory?: 'image' | 'task';
  /**
   * Most cells running at once (`compute.concurrency`): the job's `maxParallelTasks`, and what
   * `maxNodes` defaults from. Default: no cap on the job, and `maxNodes` from the run's `limits.concurrency`.
   */
  concurrency?: number;
  /** Container registry login for pre-fetching private images (ACR). Default: none (public images or a node identity). */
  registry?: { registryServer: string; userName?: string; password?: string; identityReference?: { resourceId: string } };
  /** Staging store used when the experiment names none. Default `MXN_STAGING`, else `az://$AZURE_STORAGE_ACCOUNT/mxn-staging`. */
  defaultStaging?: string;
  /** Opens the staging store. Default `openStore` of @mxn/storage. */
  openStore?: (uri: string) => Promise<Store>;
  /** Registry prefix of images mxn builds. Default `MXN_REGISTRY`, else `mxn.local`. */
  registryPrefix?: string;
  /** ms between progress polls. Default 5000. */
  pollIntervalMs?: number;
  /**
   * Keep the job after the run (for inspection in tests). Default false. Not an experiment setting:
   * the next run of the same cells has the same job id and would re-attach to the kept job.
   */
  keepJob?: boolean;
  /**
   * When the signal aborts, leave the job running and resolve (as if this process were killed),
   * instead of terminating it. For tests and hand-offs; a later `run()` re-attaches. Default false.
   */
  detachOnAbort?: boolean;
  /** Lifetime of the SAS URLs given to tasks, in seconds. Default: 2 × timeout × (retries + 1), at least 1 h, at most 7 days. */
  sasLifetimeSeconds?: number;
  /** Retry policy of Batch calls. */
  retry?: RetryOptions;
  /** add-collection calls in flight at once. Default 8. */
  submitConcurrency?: number;
  /** Lines of stderr kept in a failed task's `error`. Default 20. */
  stderrTailLines?: number;
  /**
   * The clock against which node images' end of Batch support is checked (the 90-day warning, an
   * ended image or agent). Default: the system clock. Tests fix it.
   */
  now?: () => Date;
  /** Where a run says what it does besides its cells (it replaces a pool on a retired node image). Default: nowhere. */
  log?: (line: string) => void;
}

export interface RetryOptions {
  /** Attempts per request, the first included. Default 8. */
  maxAttempts?: number;
  /** First backoff in ms; doubles per attempt, × a random 0.5–1. Default 500. */
  baseDelayMs?: number;
  /** Longest single wait in ms (also caps Retry-After). Default 30 000. */
  maxDelayMs?: number;
  /** Gives up once this much time has passed since the first attempt, in ms. Default 120 000. */
  maxElapsedMs?: number;
}
