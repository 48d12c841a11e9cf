export type { ListOptions, ObjectInfo, ReadOptions, SignOptions, SignedAccess, Store, StoreCapabilities, WriteOptions } from './store.js';
export { StoreError, isNotFound, type StoreErrorCode } from './errors.js';
export { checkKey, joinKey } from './keys.js';
export { localStore, type LocalStoreOptions } from './drivers/local.js';
export { isRemoteUri, openStore, registerStoreDriver, type Location, type StoreFactory } from './open-store.js';
export { listAll, readBytes, readJson, readText, writeJson } from './io.js';
