/** `azureBatchBackend(options)`: the Backend that runs a run's cells (and its fan-in) on Azure Batch. */
import { BackendError, type Backend } from '@mxn/core';
import { MxnError } from '@mxn/errors';
import { batchErrorCode, batchErrorText, createBatchClient, safeCause, type BatchClient } from './client.js';
import { jobIdFor } from './ids.js';
import type { AzureBatchBackendOptions } from './options.js';
import { runOnBatch } from './run-on-batch.js';

export function azureBatchBackend(options: AzureBatchBackendOptions): Backend {
  let client: Promise<BatchClient> | undefined;
  const getClient = () => (client ??= createBatchClient(options));
  return {
    name: 'azure-batch',
    runtime: 'container',
    capabilities: { reattach: true, containers: true },
    async run(spec, runOptions) {
      try {
        return await runOnBatch(await getClient(), options, spec, runOptions);
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
  };
}

/** `MXN_STAGING`, else `az://$AZURE_STORAGE_ACCOUNT/mxn-staging`, else undefined. */
export function defaultStagingFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.MXN_STAGING) return env.MXN_STAGING;
  return env.AZURE_STORAGE_ACCOUNT ? `az://${env.AZURE_STORAGE_ACCOUNT}/mxn-staging` : undefined;
}
