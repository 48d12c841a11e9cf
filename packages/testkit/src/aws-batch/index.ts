/** The loopback AWS Batch service (see README.md in this folder). */
export {
  awsBatchSpecFacts,
  LOOPBACK_AWS_CREDENTIALS,
  startAwsBatchService,
  type AwsBatchService,
  type AwsBatchServiceOptions,
} from './service.js';
export type { AwsBatchRuntime } from './runner.js';
export type { AttemptDetail, AwsBatchStore, ComputeEnvironment, Job, JobDefinition, JobQueue, JobStatus } from './model.js';
export type { AwsInjection, AwsInjectionHandle } from '../aws/inject.js';
export type { AwsRecordedRequest } from '../aws/http-service.js';
export type { AwsCredentials } from '../aws/sigv4.js';
export type { SecretLeak } from '../aws/secrets.js';
export type { AwsLimit, AwsSpecFacts } from '../aws/facts.js';
