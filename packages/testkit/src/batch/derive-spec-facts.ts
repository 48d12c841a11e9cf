/**
 * Derives the compact Batch spec facts (`spec-facts.json`) from the official Batch REST API
 * description, which lives outside the repo (`../shared/specs/batch/`, absent in a fresh clone).
 *
 * Run: `npx tsx packages/testkit/src/batch/derive-spec-facts.ts [path/to/BatchService-….json]`
 * (writes `spec-facts.json` beside this file). `spec-facts.test.ts` re-derives and compares.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SpecFacts, TypeFact, DefinitionFacts } from './spec-types.js';

/**
 * Operations the loopback service implements: its own name for each (the `2022-10-01.16.0`
 * operationId, which tests, `calls` and injections use) → the operationId in the `2025-06-01`
 * description, which was renamed there (same paths, methods and bodies). The supported-images
 * operation has no 2022 handler history; it keeps the 2022 name for the same path.
 */
export const OPERATIONS = {
  Account_ListSupportedImages: 'Pools_ListSupportedImages',
  Pool_Add: 'Pools_CreatePool',
  Pool_Get: 'Pools_GetPool',
  Pool_Exists: 'Pools_PoolExists',
  Pool_Delete: 'Pools_DeletePool',
  Pool_EnableAutoScale: 'Pools_EnablePoolAutoScale',
  Pool_EvaluateAutoScale: 'Pools_EvaluatePoolAutoScale',
  Pool_DisableAutoScale: 'Pools_DisablePoolAutoScale',
  Pool_Resize: 'Pools_ResizePool',
  Job_Add: 'Jobs_CreateJob',
  Job_Get: 'Jobs_GetJob',
  Job_Patch: 'Jobs_UpdateJob',
  Job_GetTaskCounts: 'Jobs_GetJobTaskCounts',
  Job_Terminate: 'Jobs_TerminateJob',
  Job_Delete: 'Jobs_DeleteJob',
  Task_AddCollection: 'Tasks_CreateTaskCollection',
  Task_List: 'Tasks_ListTasks',
  Task_Get: 'Tasks_GetTask',
} as const;

/** Default location of the official description, relative to the repo root. */
export const DEFAULT_SPEC_PATH = '../shared/specs/batch/BatchService-2025-06-01.json';

/** The parts of a Swagger 2.0 schema this reads. */
interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: string[];
  'x-ms-enum'?: { name?: string };
  items?: Schema;
  required?: string[];
  properties?: Record<string, Schema>;
  maxItems?: number;
  description?: string;
}

/** An operation parameter, or a reference to one of the document's shared `parameters`. */
interface Parameter {
  $ref?: string;
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
}

/** The parts of the Swagger 2.0 document this reads. */
interface SwaggerDocument {
  info: { version: string };
  paths: Record<string, Record<string, { operationId: string; parameters?: Parameter[]; responses: Record<string, { schema?: Schema }> }>>;
  parameters: Record<string, Parameter>;
  definitions: Record<string, Schema>;
}

/** Builds the facts object from the parsed Swagger document. */
export function deriveSpecFacts(spec: SwaggerDocument): SpecFacts {
  const defs = spec.definitions;
  const enums: Record<string, string[]> = {};
  const definitions: Record<string, DefinitionFacts> = {};
  const pending: string[] = [];
  const internalName = new Map<string, string>(Object.entries(OPERATIONS).map(([internal, id]) => [id, internal]));

  const refName = (ref: string): string => ref.replace('#/definitions/', '');
  const enumOf = (name: string, schema: Schema): TypeFact => {
    enums[name] = [...schema.enum!];
    return `enum:${name}`;
  };
  const typeOf = (schema: Schema, where: string): TypeFact => {
    if (schema.$ref) {
      const name = refName(schema.$ref);
      const target = defs[name]!;
      if (target.enum) return enumOf(target['x-ms-enum']?.name ?? name, target);
      // A named primitive (`Azure.Core.eTag` is a string), not an object.
      if (target.type && target.type !== 'object' && !target.properties) return typeOf(target, name);
      pending.push(name);
      return `#${name}`;
    }
    if (schema.enum) return enumOf(schema['x-ms-enum']?.name ?? where, schema);
    if (schema.type === 'array') return `[${typeOf(schema.items!, where)}]`;
    if (schema.type === 'string' && (schema.format === 'date-time' || schema.format === 'duration')) return schema.format;
    if (schema.type === 'integer' || schema.type === 'number' || schema.type === 'boolean') return schema.type;
    return schema.type ?? 'object';
  };
  const describe = (name: string): void => {
    if (definitions[name]) return;
    const def = defs[name]!;
    const facts: DefinitionFacts = { properties: {} };
    definitions[name] = facts;
    if (def.required?.length) facts.required = [...def.required];
    for (const [prop, schema] of Object.entries(def.properties ?? {})) {
      facts.properties[prop] = typeOf(schema, `${name}.${prop}`);
      if (typeof schema.maxItems === 'number') {
        facts.maxItems ??= {};
        facts.maxItems[prop] = schema.maxItems;
      }
      const max = /cannot contain more than (\d+) characters|maximum length of (\d+)/.exec(schema.description ?? '');
      if (max) {
        facts.maxLength ??= {};
        facts.maxLength[prop] = Number(max[1] ?? max[2]);
      }
      if (prop === 'id' && /case-insensitive/.test(schema.description ?? '')) facts.caseInsensitiveId = true;
    }
  };

  const operations: SpecFacts['operations'] = {};
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const internal = internalName.get(op.operationId);
      if (!internal) continue;
      const params = (op.parameters ?? []).map((p) => (p.$ref ? spec.parameters[p.$ref.split('/').pop()!]! : p));
      const body = params.find((p) => p.in === 'body');
      const success = Object.keys(op.responses)
        .filter((c) => c !== 'default')
        .map(Number);
      const response = success.map((c) => op.responses[String(c)]?.schema?.$ref).find(Boolean);
      operations[internal] = {
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        ...(body ? { body: refName(body.schema!.$ref!), bodyRequired: body.required === true } : {}),
        ...(response ? { response: refName(response) } : {}),
        query: params.filter((p) => p.in === 'query').map((p) => p.name),
        success,
      };
      if (body) pending.push(refName(body.schema!.$ref!));
      if (response) pending.push(refName(response));
    }
  }
  const missing = Object.keys(OPERATIONS).filter((name) => !operations[name]);
  if (missing.length)
    throw new Error(`derive-spec-facts: the description has no ${missing.map((m) => OPERATIONS[m as keyof typeof OPERATIONS]).join(', ')}`);
  while (pending.length) describe(pending.pop()!);
  const sortKeys = <T>(o: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
  return {
    apiVersion: spec.info.version,
    operations: sortKeys(operations),
    definitions: sortKeys(definitions),
    enums: sortKeys(enums),
  };
}

/** Reads the description at `specPath` and derives the facts. */
export function deriveSpecFactsFromFile(specPath: string): SpecFacts {
  return deriveSpecFacts(JSON.parse(readFileSync(specPath, 'utf8')));
}

const here = dirname(fileURLToPath(import.meta.url));
/** Where the derived facts are kept (the source folder, also when running from dist/). */
export const FACTS_PATH = join(here, '..', '..', 'src', 'batch', 'spec-facts.json');

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const specPath = resolve(process.argv[2] ?? join(here, '..', '..', '..', '..', DEFAULT_SPEC_PATH));
  writeFileSync(FACTS_PATH, `${JSON.stringify(deriveSpecFactsFromFile(specPath), null, 1)}\n`);
  console.log(`derive-spec-facts: wrote ${FACTS_PATH}`);
}
