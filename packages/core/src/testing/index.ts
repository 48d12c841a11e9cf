export { testBackend, type BackendContractOptions, type BackendUnderTest } from './backend-contract.js';
