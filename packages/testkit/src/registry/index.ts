export {
  REGISTRY_BINARY,
  pushTestImage,
  RegistryMissingError,
  registryAvailable,
  skipWithoutRegistry,
  startRegistry,
  type RegistryHandle,
  type SkipWithoutRegistryOptions,
  type StartRegistryOptions,
} from './registry.js';
