import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { hashBuildContext } from '@mxn/core';
import { startAzurite, type AzuriteHandle, type StartAzuriteOptions } from './azurite.js';
import { startBatchService, type BatchService, type BatchServiceOptions, type ImageResolver } from './batch/index.js';
import { startBlobShim, type BlobShimHandle } from './put-block-from-url-shim.js';
import { startS3, type S3Handle, type StartS3Options } from './s3-server.js';

export interface EmulatorsHandle {
  s3: S3Handle;
  azurite: AzuriteHandle;
  /** The Put Block From URL shim in front of Azurite; `env` points the SDKs at it. */
  blob: BlobShimHandle;
  /** The loopback Batch service (absent with `batch: false`). */
  batch?: BatchService;
  /** Every environment variable that points mxn and the SDKs at the emulators. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface StartEmulatorsOptions {
  s3?: StartS3Options;
  azurite?: StartAzuriteOptions;
  /** Options of the loopback Batch service, or `false` not to start it. Default: started with its defaults. */
  batch?: BatchServiceOptions | false;
}

/** Starts the S3 server, Azurite and the shim in front of Azurite, all on ephemeral loopback ports. */
export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<EmulatorsHandle> {
  const [s3, azurite] = await Promise.all([startS3(options.s3), startAzurite(options.azurite)]);
  const blob = await startBlobShim({ azurite });
  const batch = options.batch === false ? undefined : await startBatchService(options.batch ?? {});
  const batchEnv: Record<string, string> = batch ? { AZURE_BATCH_ACCOUNT_URL: batch.url, AZURE_BATCH_ACCOUNT_NAME: batch.accountName, AZURE_BATCH_ACCOUNT_KEY: batch.accountKey } : {};
  return {
    s3,
    azurite,
    blob,
    ...(batch ? { batch } : {}),
    env: { ...s3.env, ...blob.env, ...batchEnv },
    async stop() {
      await batch?.stop();
      await blob.stop();
      await Promise.all([s3.stop(), azurite.stop()]);
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
 * from the task). Anything else is unknown (the task fails with ContainerPullError, as an unpullable image would).
 */
export function modelFolderImages(root: string = process.cwd()): ImageResolver {
  const byHash = new Map<string, string>();
  return async (name) => {
    const hash = /:([0-9a-f]{12})$/.exec(name)?.[1];
    if (!hash) return undefined;
    if (!byHash.has(hash)) {
      const modelsDir = path.join(root, 'models');
      const entries = await readdir(modelsDir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
        const dir = path.join(modelsDir, entry.name);
        const full = await hashBuildContext(dir).catch(() => undefined);
        if (full) byHash.set(full.slice(0, 12), dir);
      }
    }
    const cwd = byHash.get(hash);
    return cwd ? { cwd } : undefined;
  };
}
