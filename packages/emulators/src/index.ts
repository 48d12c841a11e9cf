export {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  startAzurite,
  type AzuriteHandle,
  type BlobEndpointHandle,
  type StartAzuriteOptions,
} from './azurite.js';
export { startS3, type S3Handle, type StartS3Options } from './s3-server.js';
export { startBlobShim, type BlobShimHandle, type BlobShimStats, type StartBlobShimOptions } from './put-block-from-url-shim.js';
export { startStorageEmulators, type StartStorageEmulatorsOptions, type StorageEmulatorsHandle } from './storage-emulators.js';
