export { copy, type CopiedObject, type CopyOptions, type CopyResult, type PlannedObject } from './copy.js';
export { formatBytes, renderProgress, type CopyProgress, type RenderProgressOptions } from './progress.js';
export type { RetryOptions } from './retry.js';
