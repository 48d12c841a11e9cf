import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { clearBuildContextHashes, hashBuildContext } from '@mxn/core';
import { startStorageEmulators, type StartStorageEmulatorsOptions, type StorageEmulatorsHandle } from '@mxn/emulators';
import { startAwsBatchService, type AwsBatchService, type AwsBatchServiceOptions } from './aws-batch/index.js';
import { startBatchService, type BatchService, type BatchServiceOptions, type ImageResolver } from './batch/index.js';
import { startEcrService, type EcrService, type EcrServiceOptions } from './ecr/index.js';

export interface EmulatorsHandle extends StorageEmulatorsHandle {
  /** The loopback Batch service (absent with `batch: false`). */
  batch?: BatchService;
  /** The loopback AWS Batch service (absent with `awsBatch: false`). */
  awsBatch?: AwsBatchService;
  /** The loopback ECR service (absent with `ecr: false`). */
  ecr?: EcrService;
  /** Every environment variable that points mxn and the SDKs at the emulators. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface StartEmulatorsOptions extends StartStorageEmulatorsOptions {
  /** Options of the loopback Batch service, or `false` not to start it. Default: started with its defaults. */
  batch?: BatchServiceOptions | false;
  /** Options of the loopback AWS Batch service (region: the S3 server's), or `false` not to start it. Default: started. */
  awsBatch?: AwsBatchServiceOptions | false;
  /** Options of the loopback ECR service, or `false` not to start it. Default: started, without a registry. */
  ecr?: EcrServiceOptions | false;
}

/**
 * Starts the storage emulators of `@mxn/emulators` (the S3 server, Azurite and the shim in front of
 * Azurite), the loopback Azure Batch service and the loopback AWS Batch and ECR services, all on ephemeral
 * loopback ports. The AWS fakes accept the S3 server's credentials, so one set of `AWS_*` variables serves all three.
 */
export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<EmulatorsHandle> {
  const storage = await startStorageEmulators(options);
  const batch =
    options.batch === false
      ? undefined
      : await startBatchService(options.batch ?? {}).catch(async (error: unknown) => {
          await storage.stop();
          throw error;
        });
  let awsBatch: AwsBatchService | undefined;
  let ecr: EcrService | undefined;
  try {
    const credentials = [{ accessKeyId: storage.s3.accessKeyId, secretAccessKey: storage.s3.secretAccessKey }];
    if (options.awsBatch !== false) awsBatch = await startAwsBatchService({ region: storage.s3.region, credentials, ...options.awsBatch });
    if (options.ecr !== false) ecr = await startEcrService({ region: storage.s3.region, credentials, ...options.ecr });
  } catch (error) {
    await awsBatch?.stop();
    await batch?.stop();
    await storage.stop();
    throw error;
  }
  const batchEnv: Record<string, string> = batch
    ? { AZURE_BATCH_ACCOUNT_URL: batch.url, AZURE_BATCH_ACCOUNT_NAME: batch.accountName, AZURE_BATCH_ACCOUNT_KEY: batch.accountKey }
    : {};
  const awsEnv: Record<string, string> = {
    ...(awsBatch ? { AWS_ENDPOINT_URL_BATCH: awsBatch.url } : {}),
    ...(awsBatch?.queueName ? { MXN_AWS_BATCH_QUEUE: awsBatch.queueName } : {}),
    ...(ecr ? { AWS_ENDPOINT_URL_ECR: ecr.url } : {}),
  };
  return {
    s3: storage.s3,
    azurite: storage.azurite,
    blob: storage.blob,
    ...(batch ? { batch } : {}),
    ...(awsBatch ? { awsBatch } : {}),
    ...(ecr ? { ecr } : {}),
    env: { ...storage.env, ...batchEnv, ...awsEnv },
    async stop() {
      await ecr?.stop();
      await awsBatch?.stop();
      await batch?.stop();
      await storage.stop();
    },
  };
}

/** The environment as shell `export` lines, values single-quoted. */
export function exportLines(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}='${value.replaceAll("'", "'\\''")}'`)
    .join('\n');
}

/**
 * Real images, run through the docker CLI as a Batch node runs container tasks: every name `accept`
 * takes (default: any) is pulled from its registry unless the engine has it, then run.
 */
export function containerImages(accept: (name: string) => boolean = () => true): ImageResolver {
  return (name) => (accept(name) ? { cwd: '/', container: { ref: name } } : undefined);
}

/**
 * Images mxn builds from model folders, run as those folders: `<registry>/<model>:<hash12>` resolves to
 * the folder under `<root>/models/*` whose build-context hash starts with `hash12` (its command comes
 * from the task). The folders are hashed again (memo cleared) whenever a name is not found, since the
 * client that named the image hashed them at its own start: a folder or a workspace package edited since
 * the last scan is found by its new hash. A `<model>:<hash12>` no folder hashes to fails to pull, as it
 * would from a registry (`manifest unknown`, naming the folder's hash now); anything else is unknown.
 */
export function modelFolderImages(root: string = process.cwd()): ImageResolver {
  const modelsDir = path.join(root, 'models');
  let byHash = new Map<string, string>();
  let scan: Promise<Map<string, string>> | undefined;
  const rescan = async (): Promise<Map<string, string>> => {
    clearBuildContextHashes();
    const found = new Map<string, string>();
    const entries = await readdir(modelsDir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
      const dir = path.join(modelsDir, entry.name);
      const full = await hashBuildContext(dir).catch(() => undefined);
      if (full) found.set(full.slice(0, 12), dir);
    }
    return found;
  };
  return async (name) => {
    const hash = /:([0-9a-f]{12})$/.exec(name)?.[1];
    if (!hash) return undefined;
    if (!byHash.has(hash)) {
      // Lookups that miss at the same moment (an array job's children) share one scan.
      scan ??= rescan().finally(() => (scan = undefined));
      byHash = await scan;
    }
    const cwd = byHash.get(hash);
    if (cwd) return { cwd };
    const model = /\/?([^/:]+):[0-9a-f]{12}$/.exec(name)?.[1] ?? '';
    const now = [...byHash].find(([, dir]) => path.basename(dir) === model)?.[0];
    const why = now ? `models/${model} hashes to ${now} now` : `no folder under ${modelsDir} hashes to ${hash}`;
    return { pullFailure: `manifest for ${name} not found: manifest unknown (${why})` };
  };
}
