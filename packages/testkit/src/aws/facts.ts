/**
 * Compact facts of an AWS API description (botocore's service-2.json), as the loopback AWS fakes keep
 * them (`aws-batch/spec-facts.json`, `ecr/spec-facts.json`), and request validation against them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A member's type: `string`, `integer`, `long`, `double`, `boolean`, `timestamp`, `enum:<Shape>`,
 * `#<Structure>`, `[<item type>]` (a list) or `{<value type>}` (a map with string keys).
 */
type AwsTypeFact = string;

/** Limits of one member, from the shape's own `min`/`max`/`pattern` or from the member's documentation. */
export interface AwsLimit {
  /** Numbers: smallest and largest value. Strings: shortest and longest. Lists: fewest and most items. */
  min?: number;
  max?: number;
  /** A regular expression the whole string must match. */
  pattern?: string;
  /** Lists of results: the most one answer holds (a larger `maxResults` is lowered to it, not refused). */
  pageMax?: number;
  /** Lists of results asked for with `filters`: the most one answer holds (ListJobs: 100, where `pageMax` is 1000). */
  filteredPageMax?: number;
  /** Members of the same structure that must be given when this one is (`evaluateOnExit` needs `attempts`). */
  requires?: string[];
  /**
   * Documented pairs of values: this member's value → the values the paired resource may take with it (Fargate's
   * MEMORY → allowed VCPU values, from `ResourceRequirement.value`).
   */
  combinations?: Record<string, string[]>;
}

export interface AwsStructureFacts {
  required?: string[];
  members: Record<string, AwsTypeFact>;
}

interface AwsOperationFacts {
  method: string;
  path: string;
  input: string;
  output: string;
  errors: string[];
}

export interface AwsSpecFacts {
  /** botocore's `metadata`: the parts that matter on the wire. */
  service: { apiVersion: string; protocol: string; signingName: string; targetPrefix?: string };
  operations: Record<string, AwsOperationFacts>;
  /** Structures reachable from the operations' inputs. */
  structures: Record<string, AwsStructureFacts>;
  enums: Record<string, string[]>;
  /** `Structure.member` → its limits. */
  limits: Record<string, AwsLimit>;
}

/** A request that breaks the facts: the member's path and what is wrong, in the words of a validation error. */
export class AwsValidationError extends Error {
  constructor(
    readonly member: string,
    readonly value: unknown,
    readonly constraint: string,
  ) {
    super(`Value at '${member}' failed to satisfy constraint: ${constraint}`);
    this.name = 'AwsValidationError';
  }
}

/**
 * The error a fake answers a body that breaks the facts with: the first of the operation's documented
 * `errors` that names bad input (ECR: `InvalidParameterException`; AWS Batch: `ClientException`).
 */
export function validationErrorCode(facts: AwsSpecFacts, operation: string): string {
  const errors = facts.operations[operation]?.errors ?? [];
  const code = errors.find((e) => /^(InvalidParameter|Validation|Client)Exception$/.test(e));
  if (!code) throw new Error(`testkit: the facts of ${operation} name no error for bad input (${errors.join(', ')})`);
  return code;
}

/** Loads a facts file kept beside the fake (in src/; from dist/ the package's src/ copy). */
export function loadFacts(moduleUrl: string, folder: string): AwsSpecFacts {
  const here = dirname(fileURLToPath(moduleUrl));
  for (const p of [join(here, 'spec-facts.json'), join(here, '..', '..', 'src', folder, 'spec-facts.json')]) {
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as AwsSpecFacts;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  throw new Error(`testkit: ${folder}/spec-facts.json not found`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks `body` against the input structure of `operation`: unknown members, required members, types,
 * enums and limits. Throws an `AwsValidationError` for the first problem.
 */
export function validateInput(facts: AwsSpecFacts, operation: string, body: Record<string, unknown>): void {
  const input = facts.operations[operation]?.input;
  if (!input) throw new Error(`testkit: no facts for ${operation}`);
  checkStructure(facts, input, body, '');
}

function checkStructure(facts: AwsSpecFacts, name: string, body: Record<string, unknown>, path: string): void {
  const structure = facts.structures[name];
  if (!structure) throw new Error(`testkit: no facts for structure ${name}`);
  const at = (member: string) => (path ? `${path}.${member}` : member);
  for (const key of Object.keys(body)) {
    if (!(key in structure.members)) throw new AwsValidationError(at(key), body[key], `Member '${key}' is not a member of ${name}`);
  }
  for (const member of structure.required ?? []) {
    if (body[member] === undefined || body[member] === null) throw new AwsValidationError(at(member), null, 'Member must not be null');
  }
  for (const [member, type] of Object.entries(structure.members)) {
    const value = body[member];
    if (value === undefined || value === null) continue;
    checkValue(facts, type, value, at(member));
    const limit = facts.limits[`${name}.${member}`];
    if (limit) checkLimit(limit, value, at(member));
    for (const needed of limit?.requires ?? []) {
      if (body[needed] === undefined || body[needed] === null) {
        throw new AwsValidationError(at(needed), null, `Member must not be null when '${member}' is given`);
      }
    }
  }
}

function checkValue(facts: AwsSpecFacts, type: AwsTypeFact, value: unknown, path: string): void {
  const bad = (constraint: string): never => {
    throw new AwsValidationError(path, value, constraint);
  };
  if (type.startsWith('[')) {
    if (!Array.isArray(value)) bad('Member must be a list');
    (value as unknown[]).forEach((item, i) => {
      checkValue(facts, type.slice(1, -1), item, `${path}.${i + 1}.member`);
    });
    return;
  }
  if (type.startsWith('{')) {
    if (!isObject(value)) bad('Member must be a map');
    for (const [key, item] of Object.entries(value as Record<string, unknown>))
      checkValue(facts, type.slice(1, -1), item, `${path}.${key}`);
    return;
  }
  if (type.startsWith('#')) {
    if (!isObject(value)) bad('Member must be a structure');
    checkStructure(facts, type.slice(1), value as Record<string, unknown>, path);
    return;
  }
  if (type.startsWith('enum:')) {
    const allowed = facts.enums[type.slice(5)] ?? [];
    if (typeof value !== 'string' || !allowed.includes(value)) bad(`Member must satisfy enum value set: [${allowed.join(', ')}]`);
    return;
  }
  switch (type) {
    case 'string':
      if (typeof value !== 'string') bad('Member must be a string');
      return;
    case 'integer':
    case 'long':
      if (!Number.isInteger(value)) bad('Member must be an integer');
      return;
    case 'double':
      if (typeof value !== 'number') bad('Member must be a number');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') bad('Member must be a boolean');
      return;
    case 'timestamp':
      if (typeof value !== 'number' && typeof value !== 'string') bad('Member must be a timestamp');
      return;
    default:
      return;
  }
}

function checkLimit(limit: AwsLimit, value: unknown, path: string): void {
  const bad = (constraint: string): never => {
    throw new AwsValidationError(path, value, constraint);
  };
  const size = typeof value === 'number' ? value : typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
  const unit = typeof value === 'number' ? 'value' : Array.isArray(value) ? 'length' : 'length';
  if (size !== undefined && limit.min !== undefined && size < limit.min) {
    bad(`Member must have ${unit} greater than or equal to ${limit.min}`);
  }
  if (size !== undefined && limit.max !== undefined && size > limit.max) bad(`Member must have ${unit} less than or equal to ${limit.max}`);
  if (limit.pattern !== undefined && typeof value === 'string' && !new RegExp(`^(?:${limit.pattern})$`).test(value)) {
    bad(`Member must satisfy regular expression pattern: ${limit.pattern}`);
  }
}
