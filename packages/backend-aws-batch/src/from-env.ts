/** `awsBatchBackendFromEnv()`: the backend configured from the experiment's settings and the environment, as the CLI creates it. */
import { BackendError, type Backend } from '@mxn/core';
import { awsBatchBackend } from './aws-batch-backend.js';
import type { AwsBatchBackendOptions } from './options.js';
import type { AwsBatchSettings } from './settings.js';

/** What the experiment file gives on top of its aws-batch settings: its common `compute.concurrency`. */
export type AwsBatchFileSettings = AwsBatchSettings & { concurrency?: number };

/**
 * The backend's options from the experiment's aws-batch settings and the environment. The SDK reads
 * the rest from the standard places itself: credentials from the default chain, the region from
 * `AWS_REGION` (or the shared config), the endpoint from `AWS_ENDPOINT_URL_BATCH` (or
 * `AWS_ENDPOINT_URL`). mxn reads `MXN_AWS_BATCH_QUEUE` (the queue, unless `compute.queue` names
 * one), `MXN_STAGING`, `MXN_REGISTRY` and `MXN_BATCH_POLL_MS`.
 */
export function optionsFromEnv(settings: AwsBatchFileSettings = {}, env: NodeJS.ProcessEnv = process.env): AwsBatchBackendOptions {
  if (!env.AWS_REGION && !env.AWS_DEFAULT_REGION && !env.AWS_PROFILE && !env.AWS_CONFIG_FILE) {
    throw new BackendError('aws-batch: AWS_REGION is not set', {
      code: 'Config',
      hint: 'set AWS_REGION (and credentials the AWS default chain finds); `npx mxn-emulators` prints them for the loopback service',
    });
  }
  const queue = settings.queue ?? env.MXN_AWS_BATCH_QUEUE;
  const poll = Number(env.MXN_BATCH_POLL_MS);
  return {
    ...(env.AWS_REGION || env.AWS_DEFAULT_REGION ? { region: (env.AWS_REGION || env.AWS_DEFAULT_REGION)! } : {}),
    ...(queue && !settings.managed ? { queue } : {}),
    ...(settings.managed ? { managed: settings.managed } : {}),
    ...(settings.vcpus !== undefined ? { vcpus: settings.vcpus } : {}),
    ...(settings.memory !== undefined ? { memory: settings.memory } : {}),
    ...(settings.gpus !== undefined ? { gpus: settings.gpus } : {}),
    ...(settings.jobRoleArn ? { jobRoleArn: settings.jobRoleArn } : {}),
    ...(settings.executionRoleArn ? { executionRoleArn: settings.executionRoleArn } : {}),
    ...(settings.concurrency !== undefined ? { concurrency: settings.concurrency } : {}),
    ...(env.MXN_REGISTRY ? { registryPrefix: env.MXN_REGISTRY } : {}),
    ...(env.MXN_STAGING ? { defaultStaging: env.MXN_STAGING } : {}),
    ...(poll > 0 ? { pollIntervalMs: poll } : {}),
  };
}

/** The backend as `mxn run` creates it: `settings` from the experiment file, the rest from `env`, `extra` from the caller. */
export async function awsBatchBackendFromEnv(
  settings: AwsBatchFileSettings = {},
  env: NodeJS.ProcessEnv = process.env,
  extra: Pick<AwsBatchBackendOptions, 'log'> = {},
): Promise<Backend> {
  return awsBatchBackend({ ...optionsFromEnv(settings, env), ...extra });
}
