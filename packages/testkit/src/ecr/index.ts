/** The loopback ECR service (see the AWS section of the package README). */
export { ecrSpecFacts, startEcrService, type EcrRepository, type EcrService, type EcrServiceOptions } from './service.js';
