export { DockerMissingError, dockerAvailable, dockerAvailableSync, skipWithoutDocker, type SkipWithoutDockerOptions } from './engine.js';
export {
  BASE_IMAGE_LABEL,
  BASE_IMAGES,
  DEFAULT_LOCK_FILE,
  FALLBACK_PYTHON_REQUIREMENTS,
  ensureBaseImages,
  pythonRequirements,
  type BaseImageName,
  type EnsureBaseImagesOptions,
} from './base-images.js';
