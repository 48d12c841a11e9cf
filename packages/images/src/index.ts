export { ImagesError, type ImagesErrorCode } from './errors.js';
export { TAG_LENGTH, defaultRegistry, imageForBuild, imageForFolder, imageTagOf, parseImageRef, registryBaseUrl, type ImageRef } from './image-ref.js';
export { ACR_REFRESH_USER, acrRefreshToken, parseBearerChallenge, registryCredentialsFromEnv, type RegistryCredentials } from './registry-auth.js';
export { MANIFEST_ACCEPT, findImage, type ManifestInfo, type RegistryOptions } from './registry-client.js';
export { spawnCommand, type CommandOptions, type CommandResult, type CommandRunner } from './command-runner.js';
export { prepareBuildContext, type PrepareOptions, type PreparedContext } from './build-context.js';
export { buildImages, checkImages, imageSourcesOf, type BuildImagesOptions, type BuildImagesResult, type ImageSource, type ImageStatus } from './build-images.js';
