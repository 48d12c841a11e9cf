/** The loopback Azure Batch service (see README.md in this folder). */
export {
  fixedClock,
  LOOPBACK_TEST_TIME,
  startBatchService,
  type BatchService,
  type BatchServiceOptions,
  type PoolBody,
  type PoolNodeCounts,
} from './service.js';
export type { Injection, InjectionHandle } from './inject.js';
export type { FailingImage, ImageResolver, LocalImage, LocalImages } from './runner.js';
export { DEFAULT_SUPPORTED_IMAGES, type ResizeError, type SupportedImage } from './supported-images.js';
export type { RecordedRequest } from './router.js';
export { BatchServiceError, type ErrorDetail } from './errors.js';
export { evaluateFormula, type AutoScaleResult } from './autoscale.js';
export { MAX_COLLECTION_BYTES, MAX_DEPENDENCY_ID_CHARS, MAX_TASKS_PER_COLLECTION } from './handlers-tasks.js';
export { specFacts } from './spec.js';
export type { SpecFacts } from './spec-types.js';
