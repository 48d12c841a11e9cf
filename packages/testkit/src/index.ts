export {
  containerImages,
  exportLines,
  modelFolderImages,
  startEmulators,
  type EmulatorsHandle,
  type StartEmulatorsOptions,
} from './emulators.js';
export * from './batch/index.js';
export * from './aws-batch/index.js';
export * from './ecr/index.js';
export * from './github/index.js';
export * from './registry/index.js';
export * from './docker/index.js';
export { git, gitOrigin, type GitOrigin } from './git/git.js';
