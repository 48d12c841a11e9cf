/** `azureBatchBackendFromEnv()`: the backend configured from the experiment's settings and the environment, as the CLI creates it. */
import { BackendError, type Backend } from '@mxn/core';
import { azureBatchBackend, defaultStagingFromEnv } from './azure-batch-backend.js';
import type { AzureBatchBackendOptions } from './options.js';
import type { AzureBatchSettings } from './settings.js';

/** What the experiment file gives on top of its azure-batch settings: its common `compute.concurrency`. */
export type AzureBatchFileSettings = AzureBatchSettings & { concurrency?: number };

/**
 * The backend's options from the experiment's azure-batch settings and the environment. The
 * environment alone gives the account and credentials: `AZURE_BATCH_ACCOUNT_URL` (or
 * `AZURE_BATCH_ENDPOINT`), `AZURE_BATCH_ACCOUNT_NAME`, `AZURE_BATCH_ACCOUNT_KEY` (without it:
 * `DefaultAzureCredential`), and `MXN_BATCH_POLL_MS`, `MXN_REGISTRY`, `MXN_STAGING` /
 * `AZURE_STORAGE_ACCOUNT` (default staging store). The pool's shape comes from the settings, and a
 * setting wins over its variable: `pool` over `MXN_BATCH_POOL` (as `compute.staging` over `MXN_STAGING`).
 */
export function optionsFromEnv(settings: AzureBatchFileSettings = {}, env: NodeJS.ProcessEnv = process.env): AzureBatchBackendOptions {
  const rawUrl = env.AZURE_BATCH_ACCOUNT_URL ?? env.AZURE_BATCH_ENDPOINT;
  if (!rawUrl)
    throw new BackendError('azure-batch: AZURE_BATCH_ACCOUNT_URL is not set', {
      code: 'Config',
      hint:
        'set AZURE_BATCH_ACCOUNT_URL, AZURE_BATCH_ACCOUNT_NAME and AZURE_BATCH_ACCOUNT_KEY ' +
        '(or sign in for Entra ID); `npx mxn-emulators` prints them for the loopback service',
    });
  const accountUrl = /^https?:\/\//.test(rawUrl) ? rawUrl : `https://${rawUrl}`;
  const accountName = env.AZURE_BATCH_ACCOUNT_NAME ?? new URL(accountUrl).hostname.split('.')[0]!;
  const staging = defaultStagingFromEnv(env);
  const poll = Number(env.MXN_BATCH_POLL_MS);
  const poolId = settings.pool ?? env.MXN_BATCH_POOL;
  return {
    accountUrl,
    accountName,
    ...(env.AZURE_BATCH_ACCOUNT_KEY ? { accountKey: env.AZURE_BATCH_ACCOUNT_KEY } : {}),
    ...(poolId ? { poolId } : {}),
    ...(settings.autoPool !== undefined ? { autoPool: settings.autoPool } : {}),
    ...(settings.vmSize !== undefined ? { vmSize: settings.vmSize } : {}),
    ...(settings.maxNodes !== undefined ? { maxNodes: settings.maxNodes } : {}),
    ...(settings.taskSlotsPerNode !== undefined ? { taskSlotsPerNode: settings.taskSlotsPerNode } : {}),
    ...(settings.spot !== undefined ? { spot: settings.spot } : {}),
    ...(settings.image !== undefined ? { image: settings.image } : {}),
    ...(settings.nodeAgent !== undefined ? { nodeAgent: settings.nodeAgent } : {}),
    ...(settings.workingDirectory !== undefined ? { workingDirectory: settings.workingDirectory } : {}),
    ...(settings.concurrency !== undefined ? { concurrency: settings.concurrency } : {}),
    ...(env.MXN_REGISTRY ? { registryPrefix: env.MXN_REGISTRY } : {}),
    ...(staging ? { defaultStaging: staging } : {}),
    ...(poll > 0 ? { pollIntervalMs: poll } : {}),
  };
}

/**
 * The backend as `mxn run` creates it: `settings` from the experiment file, the rest from `env` (see
 * `optionsFromEnv`), and `extra` from the caller (where its lines go).
 */
export async function azureBatchBackendFromEnv(
  settings: AzureBatchFileSettings = {},
  env: NodeJS.ProcessEnv = process.env,
  extra: Pick<AzureBatchBackendOptions, 'log'> = {},
): Promise<Backend> {
  return azureBatchBackend({ ...optionsFromEnv(settings, env), ...extra });
}
