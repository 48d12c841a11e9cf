/** `azureBatchBackendFromEnv()`: the backend configured from the environment, as the CLI creates it. */
import { BackendError, type Backend } from '@mxn/core';
import { azureBatchBackend, defaultStagingFromEnv } from './azure-batch-backend.js';
import type { AzureBatchBackendOptions } from './options.js';

/**
 * Reads `AZURE_BATCH_ACCOUNT_URL` (or `AZURE_BATCH_ENDPOINT`), `AZURE_BATCH_ACCOUNT_NAME`,
 * `AZURE_BATCH_ACCOUNT_KEY` (without it: `DefaultAzureCredential`), `MXN_BATCH_POOL`,
 * `MXN_BATCH_POLL_MS`, `MXN_REGISTRY`, and `MXN_STAGING` / `AZURE_STORAGE_ACCOUNT` for the default staging store.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): AzureBatchBackendOptions {
  const rawUrl = env.AZURE_BATCH_ACCOUNT_URL ?? env.AZURE_BATCH_ENDPOINT;
  if (!rawUrl) throw new BackendError('azure-batch: AZURE_BATCH_ACCOUNT_URL is not set', { hint: 'set AZURE_BATCH_ACCOUNT_URL, AZURE_BATCH_ACCOUNT_NAME and AZURE_BATCH_ACCOUNT_KEY (or sign in for Entra ID); `npx mxn-emulators` prints them for the loopback service' });
  const accountUrl = /^https?:\/\//.test(rawUrl) ? rawUrl : `https://${rawUrl}`;
  const accountName = env.AZURE_BATCH_ACCOUNT_NAME ?? new URL(accountUrl).hostname.split('.')[0]!;
  const staging = defaultStagingFromEnv(env);
  const poll = Number(env.MXN_BATCH_POLL_MS);
  return {
    accountUrl,
    accountName,
    ...(env.AZURE_BATCH_ACCOUNT_KEY ? { accountKey: env.AZURE_BATCH_ACCOUNT_KEY } : {}),
    ...(env.MXN_BATCH_POOL ? { poolId: env.MXN_BATCH_POOL } : {}),
    ...(env.MXN_REGISTRY ? { registryPrefix: env.MXN_REGISTRY } : {}),
    ...(staging ? { defaultStaging: staging } : {}),
    ...(poll > 0 ? { pollIntervalMs: poll } : {}),
  };
}

export async function azureBatchBackendFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Backend> {
  return azureBatchBackend(optionsFromEnv(env));
}
