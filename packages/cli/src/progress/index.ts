export { createProgress, type Progress, type ProgressOptions, type ProgressStream } from './progress.js';
export type { ProgressEvent } from './progress-state.js';
