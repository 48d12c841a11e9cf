export { expectStoreError, testStore, type StoreContractOptions } from './store-contract.js';
