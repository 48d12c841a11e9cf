import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsBatchSpecFacts } from '../aws-batch/service.js';
import { ecrSpecFacts } from '../ecr/service.js';
import { AWS_BATCH, deriveAwsFactsFromFile, ECR, factsPath, REPO_ROOT } from './derive-spec-facts.js';

describe.each([
  ['AWS Batch', AWS_BATCH, awsBatchSpecFacts],
  ['ECR', ECR, ecrSpecFacts],
])('%s spec facts', (_name, config, loaded) => {
  const specPath = resolve(REPO_ROOT, config.specPath);
  const present = existsSync(specPath);
  if (!present) console.info(`spec-facts: ${specPath} is absent (a fresh clone has no ../shared); skipping the re-derivation check.`);

  it.skipIf(!present)('match what derive-spec-facts.ts derives from the official API description', () => {
    expect(deriveAwsFactsFromFile(config, specPath)).toEqual(JSON.parse(readFileSync(factsPath(config), 'utf8')));
  });

  it('are the ones the fake loads, and cover every operation it serves', () => {
    expect(loaded).toEqual(JSON.parse(readFileSync(factsPath(config), 'utf8')));
    expect(Object.keys(loaded.operations).sort()).toEqual([...config.operations].sort());
  });
});

describe('AWS Batch limits from the documentation', () => {
  it('hold the documented array size, dependsOn count and job name format', () => {
    expect(awsBatchSpecFacts.service).toMatchObject({ apiVersion: '2016-08-10', protocol: 'rest-json', signingName: 'batch' });
    expect(awsBatchSpecFacts.limits['ArrayProperties.size']).toEqual({ min: 2, max: 10_000 });
    expect(awsBatchSpecFacts.limits['SubmitJobRequest.dependsOn']).toEqual({ max: 20 });
    expect(awsBatchSpecFacts.limits['SubmitJobRequest.jobName']).toEqual({ pattern: '[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}' });
    expect(awsBatchSpecFacts.limits['ListJobsRequest.filters']).toEqual({ max: 1 });
    expect(awsBatchSpecFacts.limits['RetryStrategy.evaluateOnExit']).toEqual({ max: 5, requires: ['attempts'] });
    expect(awsBatchSpecFacts.limits['ResourceRequirement.value']?.combinations?.['512']).toEqual(['0.25']);
    expect(awsBatchSpecFacts.enums.JobStatus).toEqual(['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED']);
    expect(ecrSpecFacts.service).toMatchObject({
      protocol: 'json',
      signingName: 'ecr',
      targetPrefix: 'AmazonEC2ContainerRegistry_V20150921',
    });
  });
});
