export { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, type AzuriteHandle, type BlobEndpointHandle, type StartAzuriteOptions } from './azurite.js';
export { startS3, type S3Handle, type StartS3Options } from './s3-server.js';
export { startBlobShim, type BlobShimHandle, type BlobShimStats, type StartBlobShimOptions } from './put-block-from-url-shim.js';
export { exportLines, modelFolderImages, startEmulators, type EmulatorsHandle, type StartEmulatorsOptions } from './emulators.js';
export { expectStoreError, testStore, type StoreContractOptions } from './store-contract.js';
export { testBackend, type BackendContractOptions, type BackendUnderTest } from './backend-contract.js';
export * from './batch/index.js';
export * from './github/index.js';
export * from './registry/index.js';
