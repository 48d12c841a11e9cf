export { ImagesError, type ImagesErrorCode } from './errors.js';
export {
  LOCAL_REPOSITORY_PREFIX,
  TAG_LENGTH,
  defaultRegistry,
  imageForBuild,
  imageForFolder,
  imageRefFor,
  imageTagOf,
  parseImageRef,
  registryBaseUrl,
  requireRegistry,
  type ImageRef,
} from './image-ref.js';
export {
  ACR_REFRESH_USER,
  acrRefreshToken,
  parseBearerChallenge,
  registryCredentialsFromEnv,
  type RegistryCredentials,
} from './registry-auth.js';
export { MANIFEST_ACCEPT, findImage, type ManifestInfo, type RegistryOptions } from './registry-client.js';
export { spawnCommand, type CommandOptions, type CommandResult, type CommandRunner } from './command-runner.js';
export { findPythonKit, prepareBuildContext, type PrepareOptions, type PreparedContext } from './build-context.js';
export { imageSourcesOf, type ImageSource } from './image-sources.js';
export { taskImages } from './task-images.js';
export { openEcr, parseEcrRegistry, type EcrRegistry, type OpenEcrOptions } from './ecr.js';
export { buildImages, checkImages, type BuildImagesOptions, type BuildImagesResult, type ImageStatus } from './build-images.js';
export { clearDetectedEngines, detectEngine, parseServerVersion, type ContainerEngine, type DetectEngineOptions } from './engine.js';
export {
  buildExperimentImages,
  ensureImage,
  ensurePrebuiltImage,
  inspectImage,
  prebuiltRefsOf,
  refOf,
  type ExperimentImagesResult,
  type FailedImageOutcome,
  type ImageOutcome,
  type LocalImageOptions,
} from './local-images.js';
