/** `azureBatchBackend(options)`: the Backend that runs a run's cells (and its fan-in) on Azure Batch. */
import type { BatchServiceModels } from '@azure/batch';
import { BackendError, type Backend } from '@mxn/core';
import { MxnError } from '@mxn/errors';
import { batchErrorCode, batchErrorText, createBatchClient, safeCause, type BatchClient } from './client.js';
import { jobIdFor } from './ids.js';
import {
  chooseNodeImage,
  existingPoolWarnings,
  formatNodeImage,
  imageLabel,
  listSupportedImages,
  LOOKUP_BUDGET_MS,
  lookupErrorText,
  NO_ANSWER,
  parseNodeImage,
  poolImageLabel,
  retirement,
  supportText,
  vmSizeWarning,
  type NodeImageChoice,
  type SupportedImages,
} from './node-image.js';
import type { AzureBatchBackendOptions } from './options.js';
import { DEFAULT_POOL_ID, DEFAULT_VM_SIZE, isManagedPool, poolImageOf, poolNodeCount } from './pool.js';
import { runOnBatch } from './run-on-batch.js';

export function azureBatchBackend(options: AzureBatchBackendOptions): Backend {
  let client: Promise<BatchClient> | undefined;
  const getClient = () => (client ??= createBatchClient(options));
  const now = () => options.now?.() ?? new Date();
  const noAnswer = () => ({ error: NO_ANSWER });
  // One List Supported Images call and one choice per backend (that is, per run of the CLI): the plan,
  // the run header and the pool's creation share them. The call has LOOKUP_BUDGET_MS; past it, mxn
  // goes on without the list (the fallback image, no end-of-life checks).
  let supported: Promise<SupportedImages> | undefined;
  const supportedImages = () =>
    (supported ??= withinBudget((signal) => getClient().then((batch) => listSupportedImages(batch, signal)), noAnswer).catch(
      (error: unknown) => ({ error: batchErrorText(error) }),
    ));
  let chosen: Promise<NodeImageChoice> | undefined;
  const settings = { image: options.image, nodeAgent: options.nodeAgent, vmSize: options.vmSize ?? DEFAULT_VM_SIZE };
  const nodeImage = () =>
    (chosen ??= (async () => {
      // An image and its agent given in full need no list to run on (describe() lists anyway, for the warnings).
      const needsList = !(settings.image && settings.nodeAgent) || supported !== undefined;
      return chooseNodeImage(needsList ? await supportedImages() : { error: 'not listed' }, settings, now());
    })());

  return {
    name: 'azure-batch',
    runtime: 'container',
    capabilities: { reattach: true, containers: true },
    async run(spec, runOptions = {}) {
      try {
        return await runOnBatch(await getClient(), options, spec, runOptions, async () => (await nodeImage()).image, {
          retired: async (image) => retirement(image, await supportedImages(), now()),
          log: options.log,
        });
      } catch (error) {
        // SDK errors carry the whole request (SAS URLs included): keep only a safe summary.
        if (error instanceof MxnError) throw error;
        throw new BackendError(`azure-batch: ${batchErrorText(error)}`, { cause: safeCause(error) });
      }
    },
    /** Terminates the run's job (its pool scales back to zero on the next evaluation). */
    async cancel(runId) {
      const batch = await getClient();
      await batch.job.terminate(jobIdFor(runId)).catch((error: unknown) => {
        if (!['JobCompleted', 'JobNotFound'].includes(batchErrorCode(error) ?? '')) throw error;
      });
    },
    defaultStagingUri: () => options.defaultStaging ?? defaultStagingFromEnv(),
    /**
     * The pool the run will use: an existing one as it is (its image, VM size, and a warning when its
     * image is at or near its end of support, saying whether the run replaces it or fails), else the
     * pool mxn will create (the chosen node image and its support date, the VM size); then warnings (a
     * retiring VM size) and notes (the fallback, a pool that could not be read). Its reads (the
     * supported images, the pool) take at most LOOKUP_BUDGET_MS together; a failed one never fails it.
     */
    async describe() {
      const poolId = options.poolId ?? DEFAULT_POOL_ID;
      const [listed, existing] = await Promise.all([
        supportedImages(),
        options.autoPool
          ? undefined
          : withinBudget((signal) => getClient().then((batch) => readPool(batch, poolId, signal)), noAnswer).catch((error: unknown) => ({
              error: batchErrorText(error),
            })),
      ]);
      const at = now();
      if (existing && 'pool' in existing) return describeExisting(poolId, existing.pool, listed, at);
      let choice: NodeImageChoice;
      try {
        choice = await nodeImage();
      } catch (error) {
        return [`warning: ${(error as Error).message.replace(/^backend: /, '')}`];
      }
      const where = options.autoPool ? 'auto-pool (one per run, deleted with its job)' : `pool ${poolId}`;
      return [
        `${where}: ${imageLabel(choice.image)}, ${supportText(choice, at)}; vmSize ${settings.vmSize}${options.spot ? ', Spot nodes' : ''}`,
        ...(existing && 'error' in existing
          ? [`note: pool ${poolId} could not be read (${existing.error}): if it exists, the run uses it as it is`]
          : []),
        ...choice.notes,
        ...warnings(vmSizeWarning(settings.vmSize)),
      ];
    },
  };

  /** An existing pool as it is, with what the run will do about its image. */
  async function describeExisting(poolId: string, pool: CloudPool, listed: SupportedImages, at: Date): Promise<string[]> {
    const image = poolImageOf(pool);
    const label = image ? poolImageLabel(image) : 'not a Marketplace image';
    const managed = isManagedPool(pool);
    const retired = image !== undefined && retirement(image, listed, at) !== undefined;
    // What the run would create the pool again with (only asked for when it would).
    const replacement =
      retired && managed
        ? await nodeImage().then(
            (choice) => choice.image,
            () => undefined,
          )
        : undefined;
    const wanted = settings.image !== undefined ? parseNodeImage(settings.image) : undefined;
    const ignored =
      wanted && image && !retired && formatNodeImage(wanted).toLowerCase() !== formatNodeImage(image).toLowerCase()
        ? [`note: compute.image ${formatNodeImage(wanted)} is not used: pool ${poolId} exists; delete it to have it made with that image`]
        : [];
    return [
      `pool ${poolId} (exists${retired ? '' : '; used as it is'}): ${label}; vmSize ${pool.vmSize}` +
        `${managed ? '' : '; not created by mxn, so mxn never scales it'}`,
      ...(image ? existingPoolWarnings(poolId, image, listed, at, { managed, nodes: poolNodeCount(pool), replacement }) : []),
      ...ignored,
      ...warnings(vmSizeWarning(pool.vmSize ?? '')),
    ];
  }
}

type CloudPool = BatchServiceModels.CloudPool;

const warnings = (line: string | undefined): string[] => (line ? [line] : []);

/**
 * `work(signal)`, whose signal aborts after LOOKUP_BUDGET_MS; when `work` has not settled shortly
 * after that (a credential that hangs outside the request), `late()`. `work` is left to settle alone.
 */
function withinBudget<T>(work: (signal: AbortSignal) => Promise<T>, late: () => T): Promise<T> {
  const signal = AbortSignal.timeout(LOOKUP_BUDGET_MS);
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    // The work gets a moment to report its own error (the last failure of its retries) first.
    const onAbort = () => {
      timer = setTimeout(() => resolve(late()), 250);
      timer.unref();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work(signal)
      .then(resolve, reject)
      .finally(() => {
        signal.removeEventListener('abort', onAbort);
        clearTimeout(timer);
      });
  });
}

/** The named pool (selected fields), that it does not exist, or why it could not be read. Never throws. */
async function readPool(
  client: BatchClient,
  poolId: string,
  signal: AbortSignal,
): Promise<{ pool: CloudPool } | { missing: true } | { error: string }> {
  try {
    const pool = await client.pool.get(poolId, {
      poolGetOptions: { select: 'id,vmSize,virtualMachineConfiguration,metadata,currentDedicatedNodes,currentLowPriorityNodes' },
      abortSignal: signal as never,
    });
    return { pool };
  } catch (error) {
    return batchErrorCode(error) === 'PoolNotFound' ? { missing: true } : { error: lookupErrorText(error, signal) };
  }
}

/** `MXN_STAGING`, else `az://$AZURE_STORAGE_ACCOUNT/mxn-staging`, else undefined. */
export function defaultStagingFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.MXN_STAGING) return env.MXN_STAGING;
  return env.AZURE_STORAGE_ACCOUNT ? `az://${env.AZURE_STORAGE_ACCOUNT}/mxn-staging` : undefined;
}
