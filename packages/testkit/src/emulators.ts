import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { hashBuildContext } from '@mxn/core';
import { startStorageEmulators, type StartStorageEmulatorsOptions, type StorageEmulatorsHandle } from '@mxn/emulators';
import { startBatchService, type BatchService, type BatchServiceOptions, type ImageResolver } from './batch/index.js';

export interface EmulatorsHandle extends StorageEmulatorsHandle {
  /** The loopback Batch service (absent with `batch: false`). */
  batch?: BatchService;
  /** Every environment variable that points mxn and the SDKs at the emulators. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface StartEmulatorsOptions extends StartStorageEmulatorsOptions {
  /** Options of the loopback Batch service, or `false` not to start it. Default: started with its defaults. */
  batch?: BatchServiceOptions | false;
}

/**
 * Starts the storage emulators of `@mxn/emulators` (the S3 server, Azurite and the shim in front of
 * Azurite) and the loopback Batch service, all on ephemeral loopback ports.
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
  const batchEnv: Record<string, string> = batch
    ? { AZURE_BATCH_ACCOUNT_URL: batch.url, AZURE_BATCH_ACCOUNT_NAME: batch.accountName, AZURE_BATCH_ACCOUNT_KEY: batch.accountKey }
    : {};
  return {
    s3: storage.s3,
    azurite: storage.azurite,
    blob: storage.blob,
    ...(batch ? { batch } : {}),
    env: { ...storage.env, ...batchEnv },
    async stop() {
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
 * from the task). Anything else is unknown (the task fails with ContainerInvalidImage, as an unpullable image would).
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
