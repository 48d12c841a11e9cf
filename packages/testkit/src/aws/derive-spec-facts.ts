/**
 * Derives the compact facts of the loopback AWS Batch and ECR fakes (`aws-batch/spec-facts.json`,
 * `ecr/spec-facts.json`) from the official API descriptions (botocore's service-2.json), which live
 * outside the repo (`../shared/specs/aws-batch/`, `../shared/specs/ecr/`, absent in a fresh clone).
 *
 * Run: `npx tsx packages/testkit/src/aws/derive-spec-facts.ts` (writes both files).
 * `spec-facts.test.ts` re-derives and compares when the descriptions are present.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AwsLimit, AwsSpecFacts, AwsStructureFacts } from './facts.js';

/** A limit the description states only in a member's documentation: where it reads, what it matches, what it means. */
interface ProseRule {
  /** `Structure.member` whose documentation states the limit. */
  doc: string;
  /** `Structure.member` the limit applies to (default: `doc`). */
  at?: string;
  match: RegExp;
  limit: (m: RegExpExecArray) => AwsLimit;
}

interface ServiceConfig {
  /** The description, relative to the repo root. */
  specPath: string;
  /** Where the facts are kept, relative to src/. */
  folder: string;
  operations: readonly string[];
  prose: readonly ProseRule[];
}

const int = (s: string | undefined): number => Number((s ?? '').replaceAll(',', ''));
/**
 * "up to 128 letters long … letters, numbers, hyphens (-), and underscores (_)", with or without
 * "The first character must be alphanumeric".
 */
const NAME_RULE = new RegExp(
  'up to (\\d+) (?:letters|characters) long\\. (The first character must be alphanumeric, )?(?:It )?' +
    'can contain uppercase and lowercase letters, numbers, hyphens \\(-\\), and underscores \\(_\\)',
);
const nameLimit = (m: RegExpExecArray): AwsLimit =>
  m[2] ? { pattern: `[a-zA-Z0-9][a-zA-Z0-9_-]{0,${int(m[1]) - 1}}` } : { pattern: `[a-zA-Z0-9_-]{1,${int(m[1])}}` };
const PAGE_RULE = /This value can be between (\d+) and (\d+)\./;
/** "value = 5120, 6144, or 7168 VCPU = 1 or 2 …" → memory → the VCPU values allowed with it. */
function fargateMemory(text: string): Record<string, string[]> {
  const list = (s: string) =>
    s
      .split(/,|\bor\b/)
      .map((v) => v.trim())
      .filter(Boolean);
  const table: Record<string, string[]> = {};
  for (const m of text.matchAll(/value = ([\d, or]+?) VCPU = ([\d., or]+?)(?= value =|$)/g)) {
    for (const memory of list(m[1]!)) table[memory] = list(m[2]!);
  }
  if (Object.keys(table).length === 0) throw new Error('derive-spec-facts: no Fargate MEMORY/VCPU table in ResourceRequirement.value');
  return table;
}

export const AWS_BATCH: ServiceConfig = {
  specPath: '../shared/specs/aws-batch/batch-2016-08-10.service-2.json',
  folder: 'aws-batch',
  operations: [
    'SubmitJob',
    'DescribeJobs',
    'ListJobs',
    'TerminateJob',
    'CancelJob',
    'RegisterJobDefinition',
    'DescribeJobDefinitions',
    'DescribeJobQueues',
    'DescribeComputeEnvironments',
    'CreateComputeEnvironment',
    'CreateJobQueue',
    'UpdateComputeEnvironment',
    'UpdateJobQueue',
    'DeleteComputeEnvironment',
    'DeleteJobQueue',
  ],
  prose: [
    { doc: 'SubmitJobRequest.jobName', match: NAME_RULE, limit: nameLimit },
    {
      doc: 'SubmitJobRequest.arrayProperties',
      at: 'ArrayProperties.size',
      match: /The array size can be between ([\d,]+) and ([\d,]+)\./,
      limit: (m) => ({ min: int(m[1]), max: int(m[2]) }),
    },
    { doc: 'SubmitJobRequest.dependsOn', match: /A job can depend upon a maximum of (\d+) jobs/, limit: (m) => ({ max: int(m[1]) }) },
    {
      doc: 'RetryStrategy.attempts',
      match: /You can specify between (\d+) and (\d+) attempts/,
      limit: (m) => ({ min: int(m[1]), max: int(m[2]) }),
    },
    { doc: 'RetryStrategy.evaluateOnExit', match: /Array of up to (\d+) objects/, limit: (m) => ({ max: int(m[1]) }) },
    { doc: 'EvaluateOnExit.onExitCode', match: /can be up to (\d+) characters long/, limit: (m) => ({ max: int(m[1]) }) },
    { doc: 'EvaluateOnExit.onStatusReason', match: /can contain up to (\d+) characters/, limit: (m) => ({ max: int(m[1]) }) },
    { doc: 'EvaluateOnExit.onReason', match: /can contain up to (\d+) characters/, limit: (m) => ({ max: int(m[1]) }) },
    {
      doc: 'JobTimeout.attemptDurationSeconds',
      match: /The minimum value for the timeout is (\d+) seconds/,
      limit: (m) => ({ min: int(m[1]) }),
    },
    { doc: 'TerminateJobRequest.reason', match: /limit of (\d+) characters/, limit: (m) => ({ max: int(m[1]) }) },
    { doc: 'CancelJobRequest.reason', match: /limit of (\d+) characters/, limit: (m) => ({ max: int(m[1]) }) },
    { doc: 'DescribeJobsRequest.jobs', match: /A list of up to (\d+) job IDs/, limit: (m) => ({ max: int(m[1]) }) },
    {
      doc: 'ListJobsRequest.maxResults',
      match: new RegExp(
        'The minimum value is (\\d+)\\.[\\s\\S]*?When --job-status is used, Batch returns up to (\\d+) values\\. ' +
          'When --filters is used, Batch returns up to (\\d+) values',
      ),
      limit: (m) => ({ min: int(m[1]), pageMax: int(m[2]), filteredPageMax: int(m[3]) }),
    },
    { doc: 'ListJobsRequest.filters', match: /Only (one) filter can be used at a time/, limit: () => ({ max: 1 }) },
    {
      doc: 'RetryStrategy.evaluateOnExit',
      match: /If this parameter is specified, then the (\w+) parameter must also be specified/,
      limit: (m) => ({ requires: [m[1]!] }),
    },
    {
      doc: 'ResourceRequirement.value',
      match: /For jobs that are running on Fargate resources, then value is the hard limit \(in MiB\)[\s\S]*?(?= type="VCPU")/,
      limit: (m) => ({ combinations: fargateMemory(m[0]) }),
    },
    { doc: 'RegisterJobDefinitionRequest.jobDefinitionName', match: NAME_RULE, limit: nameLimit },
    {
      doc: 'DescribeJobDefinitionsRequest.jobDefinitions',
      match: /A list of up to (\d+) job definitions/,
      limit: (m) => ({ max: int(m[1]) }),
    },
    { doc: 'DescribeJobDefinitionsRequest.maxResults', match: PAGE_RULE, limit: (m) => ({ min: int(m[1]), max: int(m[2]) }) },
    { doc: 'DescribeJobQueuesRequest.maxResults', match: PAGE_RULE, limit: (m) => ({ min: int(m[1]), max: int(m[2]) }) },
    { doc: 'DescribeComputeEnvironmentsRequest.maxResults', match: PAGE_RULE, limit: (m) => ({ min: int(m[1]), max: int(m[2]) }) },
    { doc: 'CreateComputeEnvironmentRequest.computeEnvironmentName', match: NAME_RULE, limit: nameLimit },
    { doc: 'CreateJobQueueRequest.jobQueueName', match: NAME_RULE, limit: nameLimit },
    {
      doc: 'CreateJobQueueRequest.computeEnvironmentOrder',
      match: /You can associate up to (\w+) compute environments with a job queue/,
      limit: (m) => ({ max: ['zero', 'one', 'two', 'three', 'four', 'five'].indexOf(m[1]!) }),
    },
  ],
};

export const ECR: ServiceConfig = {
  specPath: '../shared/specs/ecr/ecr-2015-09-21.service-2.json',
  folder: 'ecr',
  operations: ['GetAuthorizationToken', 'DescribeImages', 'CreateRepository', 'DescribeRepositories'],
  prose: [],
};

/** The parts of a botocore shape this reads. */
interface Shape {
  type: string;
  members?: Record<string, { shape: string; documentation?: string }>;
  member?: { shape: string };
  value?: { shape: string };
  required?: string[];
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
}

interface ServiceDescription {
  metadata: { apiVersion: string; protocol: string; signingName?: string; endpointPrefix: string; targetPrefix?: string };
  operations: Record<
    string,
    { http: { method: string; requestUri: string }; input?: { shape: string }; output?: { shape: string }; errors?: { shape: string }[] }
  >;
  shapes: Record<string, Shape>;
}

const plain = (html: string | undefined): string => (html ?? '').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');

/** Builds the facts object from a parsed description. */
function deriveAwsFacts(spec: ServiceDescription, config: ServiceConfig): AwsSpecFacts {
  const structures: Record<string, AwsStructureFacts> = {};
  const enums: Record<string, string[]> = {};
  const limits: Record<string, AwsLimit> = {};
  const pending: string[] = [];
  const typeOf = (name: string): string => {
    const shape = spec.shapes[name]!;
    if (shape.enum) {
      enums[name] = [...shape.enum];
      return `enum:${name}`;
    }
    switch (shape.type) {
      case 'structure':
        pending.push(name);
        return `#${name}`;
      case 'list':
        return `[${typeOf(shape.member!.shape)}]`;
      case 'map':
        return `{${typeOf(shape.value!.shape)}}`;
      case 'float':
      case 'double':
        return 'double';
      default:
        return shape.type;
    }
  };
  const shapeLimit = (shape: Shape): AwsLimit | undefined => {
    const limit: AwsLimit = {
      ...(shape.min !== undefined ? { min: shape.min } : {}),
      ...(shape.max !== undefined ? { max: shape.max } : {}),
      ...(shape.pattern !== undefined ? { pattern: shape.pattern } : {}),
    };
    return Object.keys(limit).length ? limit : undefined;
  };
  const describe = (name: string): void => {
    if (structures[name]) return;
    const shape = spec.shapes[name]!;
    const facts: AwsStructureFacts = { members: {} };
    structures[name] = facts;
    if (shape.required?.length) facts.required = [...shape.required];
    for (const [member, ref] of Object.entries(shape.members ?? {})) {
      facts.members[member] = typeOf(ref.shape);
      const limit = shapeLimit(spec.shapes[ref.shape]!);
      if (limit) limits[`${name}.${member}`] = limit;
    }
  };
  const operations: AwsSpecFacts['operations'] = {};
  for (const name of config.operations) {
    const op = spec.operations[name];
    if (!op) throw new Error(`derive-spec-facts: the description has no operation ${name}`);
    const input = op.input?.shape ?? `${name}Request`;
    operations[name] = {
      method: op.http.method,
      path: op.http.requestUri,
      input,
      output: op.output?.shape ?? `${name}Response`,
      errors: (op.errors ?? []).map((e) => e.shape),
    };
    if (op.input) pending.push(input);
    else structures[input] = { members: {} };
  }
  while (pending.length) describe(pending.pop()!);
  for (const rule of config.prose) {
    const [structure, member] = rule.doc.split('.') as [string, string];
    const documentation = plain(spec.shapes[structure]?.members?.[member]?.documentation);
    const m = rule.match.exec(documentation);
    if (!m) throw new Error(`derive-spec-facts: the documentation of ${rule.doc} no longer says ${rule.match}`);
    const at = rule.at ?? rule.doc;
    limits[at] = { ...limits[at], ...rule.limit(m) };
  }
  const sortKeys = <T>(o: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
  const meta = spec.metadata;
  return {
    service: {
      apiVersion: meta.apiVersion,
      protocol: meta.protocol,
      signingName: meta.signingName ?? meta.endpointPrefix,
      ...(meta.targetPrefix ? { targetPrefix: meta.targetPrefix } : {}),
    },
    operations: sortKeys(operations),
    structures: sortKeys(structures),
    enums: sortKeys(enums),
    limits: sortKeys(limits),
  };
}

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file is `packages/testkit/src/aws/`, or `dist/aws/` when built). */
export const REPO_ROOT = resolve(here, '..', '..', '..', '..');

/** Reads the description of `config` (default location under `../shared`) and derives its facts. */
export function deriveAwsFactsFromFile(config: ServiceConfig, specPath = resolve(REPO_ROOT, config.specPath)): AwsSpecFacts {
  return deriveAwsFacts(JSON.parse(readFileSync(specPath, 'utf8')) as ServiceDescription, config);
}

/** Where the facts of `config` are kept (the source folder, also when running from dist/). */
export function factsPath(config: ServiceConfig): string {
  return resolve(REPO_ROOT, 'packages', 'testkit', 'src', config.folder, 'spec-facts.json');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const config of [AWS_BATCH, ECR]) {
    writeFileSync(factsPath(config), `${JSON.stringify(deriveAwsFactsFromFile(config), null, 2)}\n`);
    console.log(`derive-spec-facts: wrote ${factsPath(config)}`);
  }
}
