export { azureBatchBackend, defaultStagingFromEnv } from './azure-batch-backend.js';
export { azureBatchBackendFromEnv, optionsFromEnv } from './from-env.js';
export type { AzureBatchBackendOptions, BatchComputeSettings, RetryOptions } from './options.js';
export { imageForBuild, jobIdFor } from './ids.js';
export { createBatchClient, type BatchClient } from './client.js';
export { retryPolicyFactory, retryDelayMs, parseRetryAfter } from './retry-policy.js';
export { autoScaleFormula } from './pool.js';
export { chunkTasks, submitTasks, type SubmitOptions, type SubmitResult } from './submit-tasks.js';
export { TaskWatcher } from './watch-tasks.js';
