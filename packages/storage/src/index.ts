export type {
  CopyFromUrlOptions,
  ListOptions,
  ObjectInfo,
  ReadOptions,
  SignOptions,
  SignedAccess,
  Store,
  StoreCapabilities,
  WriteOptions,
} from './store.js';
export { StoreError, isNotFound, type StoreErrorCode } from './errors.js';
export { checkKey, joinKey } from './keys.js';
export { localStore, type LocalStoreOptions } from './drivers/local.js';
export { isRemoteUri, openStore, registerStoreDriver, type Location, type StoreFactory } from './open-store.js';
export { listAll, readBytes, readJson, readText, writeJson } from './io.js';
export { s3Store, parseS3Uri, type S3StoreOptions } from './drivers/s3.js';
export { azureBlobStore, type AzureBlobStoreOptions } from './drivers/azure-blob.js';
export { parseBlobUri, type BlobLocation } from './drivers/azure-location.js';
export { knownSecrets, redact, redactStrings } from './redact.js';
export { urlUnderPrefix } from './signed-urls.js';
export {
  copy,
  formatBytes,
  renderProgress,
  type CopiedObject,
  type CopyOptions,
  type CopyProgress,
  type CopyResult,
  type PlannedObject,
  type RenderProgressOptions,
  type RetryOptions,
} from './transfer/index.js';
