/** `azureBatchBackend(options)`: the Backend that runs a run's cells (and its fan-in) on Azure Batch. */
import { BackendError, type Backend } from '@mxn/core';
import { MxnError } from '@mxn/errors';
import { batchErrorCode, batchErrorText, createBatchClient, safeCause, type BatchClient } from './client.js';
import { jobIdFor } from './ids.js';
import {
  chooseNodeImage,
  existingPoolWarnings,
  imageLabel,
  listSupportedImages,
  supportText,
  vmSizeWarning,
  type NodeImageChoice,
  type SupportedImages,
} from './node-image.js';
import type { AzureBatchBackendOptions } from './options.js';
import { DEFAULT_POOL_ID, DEFAULT_VM_SIZE, MANAGED_TAG } from './pool.js';
import { runOnBatch } from './run-on-batch.js';

export function azureBatchBackend(options: AzureBatchBackendOptions): Backend {
  let client: Promise<BatchClient> | undefined;
  const getClient = () => (client ??= createBatchClient(options));
  // One List Supported Images call and one choice per backend (that is, per run of the CLI).
  let supported: Promise<SupportedImages> | undefined;
  const supportedImages = () => (supported ??= getClient().then(listSupportedImages));
  let chosen: Promise<NodeImageChoice> | undefined;
  const settings = { image: options.image, nodeAgent: options.nodeAgent, vmSize: options.vmSize ?? DEFAULT_VM_SIZE };
  const nodeImage = () =>
    (chosen ??= (async () => {
      // An image and its agent given in full need no list to run on (describe() lists anyway, for the warnings).
      const needsList = !(settings.image && settings.nodeAgent) || supported !== undefined;
      return chooseNodeImage(needsList ? await supportedImages() : { error: 'not listed' }, settings);
    })());

  return {
    name: 'azure-batch',
    runtime: 'container',
    capabilities: { reattach: true, containers: true },
    async run(spec, runOptions = {}) {
      try {
        return await runOnBatch(await getClient(), options, spec, runOptions, async () => (await nodeImage()).image);
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
     * image is at or near its end of support), else the pool mxn will create (the chosen node image
     * and its support date, the VM size); then warnings (a retiring VM size) and notes (the fallback).
     */
    async describe() {
      const poolId = options.poolId ?? DEFAULT_POOL_ID;
      const [listed, existing] = await Promise.all([
        supportedImages(),
        options.autoPool ? undefined : getClient().then((batch) => existingPool(batch, poolId)),
      ]);
      if (existing) {
        const vm = existing.virtualMachineConfiguration;
        const ref = vm?.imageReference;
        const image =
          ref?.publisher && ref.offer && ref.sku
            ? {
                publisher: ref.publisher,
                offer: ref.offer,
                sku: ref.sku,
                version: ref.version ?? 'latest',
                nodeAgentSKUId: vm?.nodeAgentSKUId ?? '?',
              }
            : undefined;
        const managed = (existing.metadata ?? []).some((item) => item.name === MANAGED_TAG);
        return [
          `pool ${poolId} (exists; used as it is): ${image ? imageLabel(image) : 'not a Marketplace image'}; vmSize ${existing.vmSize}${managed ? '' : '; not created by mxn, so mxn never scales it'}`,
          ...(image ? existingPoolWarnings(poolId, image, listed) : []),
          ...warnings(vmSizeWarning(existing.vmSize ?? '')),
        ];
      }
      let choice: NodeImageChoice;
      try {
        choice = await nodeImage();
      } catch (error) {
        return [`warning: ${(error as Error).message.replace(/^backend: /, '')}`];
      }
      const where = options.autoPool ? 'auto-pool (one per run, deleted with its job)' : `pool ${poolId}`;
      return [
        `${where}: ${imageLabel(choice.image)}, ${supportText(choice)}; vmSize ${settings.vmSize}${options.spot ? ', Spot nodes' : ''}`,
        ...choice.notes,
        ...warnings(vmSizeWarning(settings.vmSize)),
      ];
    },
  };
}

const warnings = (line: string | undefined): string[] => (line ? [line] : []);

/** The named pool when it exists (selected fields), else undefined (also when it cannot be read: describe() then shows the pool mxn would create). */
async function existingPool(client: BatchClient, poolId: string) {
  try {
    return await client.pool.get(poolId, {
      poolGetOptions: { select: 'id,vmSize,virtualMachineConfiguration,metadata' },
      abortSignal: AbortSignal.timeout(30_000) as never,
    });
  } catch {
    return undefined;
  }
}

/** `MXN_STAGING`, else `az://$AZURE_STORAGE_ACCOUNT/mxn-staging`, else undefined. */
export function defaultStagingFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.MXN_STAGING) return env.MXN_STAGING;
  return env.AZURE_STORAGE_ACCOUNT ? `az://${env.AZURE_STORAGE_ACCOUNT}/mxn-staging` : undefined;
}
