export { awsBatchBackend } from './aws-batch-backend.js';
export { awsBatchBackendFromEnv, optionsFromEnv, type AwsBatchFileSettings } from './from-env.js';
export type { AwsBatchBackendOptions } from './options.js';
export { awsBatchSettingsSchema, type AwsBatchSettings } from './settings.js';
export { createBatchClient, DEFAULT_MAX_ATTEMPTS } from './client.js';
export { MAX_ARRAY_SIZE, type RunReport } from './run-on-aws-batch.js';
export { wrapperCommand } from './wrapper/task-wrapper.js';
