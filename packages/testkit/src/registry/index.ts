export { REGISTRY_BINARY, pushTestImage, registryAvailable, startRegistry, type RegistryHandle, type StartRegistryOptions } from './registry.js';
