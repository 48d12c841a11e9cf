import { startAzurite, type AzuriteHandle, type StartAzuriteOptions } from './azurite.js';
import { startBlobShim, type BlobShimHandle } from './put-block-from-url-shim.js';
import { startS3, type S3Handle, type StartS3Options } from './s3-server.js';

export interface StorageEmulatorsHandle {
  s3: S3Handle;
  azurite: AzuriteHandle;
  /** The Put Block From URL shim in front of Azurite; `env` points the SDKs at it. */
  blob: BlobShimHandle;
  /** Every environment variable that points mxn and the SDKs at the S3 server and the shim. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface StartStorageEmulatorsOptions {
  s3?: StartS3Options;
  azurite?: StartAzuriteOptions;
}

/** Starts the S3 server, Azurite and the shim in front of Azurite, all on ephemeral loopback ports. */
export async function startStorageEmulators(options: StartStorageEmulatorsOptions = {}): Promise<StorageEmulatorsHandle> {
  const [s3, azurite] = await Promise.all([startS3(options.s3), startAzurite(options.azurite)]);
  const blob = await startBlobShim({ azurite });
  return {
    s3,
    azurite,
    blob,
    env: { ...s3.env, ...blob.env },
    async stop() {
      await blob.stop();
      await Promise.all([s3.stop(), azurite.stop()]);
    },
  };
}
