/**
 * Loads the compact spec facts (`spec-facts.json`, derived by `derive-spec-facts.ts`) and validates
 * request bodies against them the way the service answers: the first problem as a typed error.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchServiceError, propertyError } from './errors.js';
import type { SpecFacts, TypeFact } from './spec-types.js';

const here = dirname(fileURLToPath(import.meta.url));

function loadFacts(): SpecFacts {
  // Beside this module in src/; from dist/ fall back to the package's src/ copy.
  for (const p of [join(here, 'spec-facts.json'), join(here, '..', '..', 'src', 'batch', 'spec-facts.json')]) {
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as SpecFacts;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  throw new Error('batch-service: spec-facts.json not found');
}

/** The facts the service validates against. */
export const specFacts: SpecFacts = loadFacts();

/** Ids of pools, jobs and tasks: letters, digits, hyphens and underscores only. */
const ID_PATTERN = /^[a-zA-Z0-9_-]+$/;
const DURATION =
  /^-?P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;

/** Lower-cased enum names per enum, built on first use. */
const enumSets = new Map<string, Set<string>>();
function enumSet(name: string): Set<string> {
  let set = enumSets.get(name);
  if (!set) {
    set = new Set((specFacts.enums[name] ?? []).map((a) => a.toLowerCase()));
    enumSets.set(name, set);
  }
  return set;
}

/** A definition's properties as an array (validation runs per task, 10,000s of times per run). */
const propertyLists = new Map<string, Array<[string, TypeFact]>>();
function propertiesOf(name: string, properties: Record<string, TypeFact>): Array<[string, TypeFact]> {
  let list = propertyLists.get(name);
  if (!list) {
    list = Object.entries(properties);
    propertyLists.set(name, list);
  }
  return list;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How a body is checked: a request (the default) or one of the service's own answers. */
interface CheckMode {
  /** Check an answer: `odata.*` annotations are allowed; a problem throws a plain Error, not a service error. */
  response?: boolean;
  /** Definitions whose `required` list is not enforced (the entity of a `$select`ed answer). */
  skipRequired?: ReadonlySet<string>;
}

const REQUEST: CheckMode = {};

function checkValue(type: TypeFact, value: unknown, path: string, mode: CheckMode): void {
  const bad = (reason: string): never => {
    throw mode.response ? new ResponseShapeError(path, reason) : propertyError('InvalidPropertyValue', path, reason);
  };
  if (value === null || value === undefined) return;
  if (type.startsWith('[')) {
    if (!Array.isArray(value)) bad('The value must be an array.');
    (value as unknown[]).forEach((item, i) => {
      checkValue(type.slice(1, -1), item, `${path}[${i}]`, mode);
    });
    return;
  }
  if (type.startsWith('#')) {
    if (!isObject(value)) bad('The value must be an object.');
    validateDefinition(type.slice(1), value as Record<string, unknown>, path, mode);
    return;
  }
  if (type.startsWith('enum:')) {
    const name = type.slice(5);
    // The service parses enums case-insensitively but only accepts known names.
    if (typeof value !== 'string' || !enumSet(name).has(value.toLowerCase())) {
      bad(`The value must be one of: ${(specFacts.enums[name] ?? []).join(', ')}.`);
    }
    return;
  }
  switch (type) {
    case 'string':
      if (typeof value !== 'string') bad('The value must be a string.');
      return;
    case 'integer':
      if (!Number.isInteger(value)) bad('The value must be an integer.');
      return;
    case 'number':
      if (typeof value !== 'number') bad('The value must be a number.');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') bad('The value must be a boolean.');
      return;
    case 'date-time':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) bad('The value must be an ISO 8601 date-time.');
      return;
    case 'duration':
      if (typeof value !== 'string' || !DURATION.test(value)) bad('The value must be an ISO 8601 duration.');
      return;
    default:
      if (type === 'object' && !isObject(value)) bad('The value must be an object.');
  }
}

/** An answer of the loopback service that does not match the description (a bug in the fake, reported as 500). */
export class ResponseShapeError extends Error {
  constructor(
    readonly property: string,
    readonly reason: string,
  ) {
    super(`the answer's ${property || 'body'} does not match the ${specFacts.apiVersion} description: ${reason}`);
    this.name = 'ResponseShapeError';
  }
}

/**
 * Validates `body` against the definition `name`: no unknown properties, required ones present,
 * types, enums, maximum lengths and item counts, and the id format. Throws a `BatchServiceError`
 * (or, checking an answer with `mode.response`, a `ResponseShapeError`).
 */
export function validateDefinition(name: string, body: Record<string, unknown>, path = '', mode: CheckMode = REQUEST): void {
  const def = specFacts.definitions[name];
  if (!def) throw new Error(`batch-service: no spec facts for ${name}`);
  const at = (prop: string): string => (path ? `${path}.${prop}` : prop);
  for (const key of Object.keys(body)) {
    if (key in def.properties) continue;
    if (mode.response) {
      if (key.startsWith('odata.')) continue;
      throw new ResponseShapeError(at(key), `the property does not exist on type '${name}'.`);
    }
    throw new BatchServiceError('InvalidRequestBody', [
      { key: 'Reason', value: `The property '${at(key)}' does not exist on type '${name}'.` },
    ]);
  }
  if (!mode.skipRequired?.has(name)) {
    for (const req of def.required ?? []) {
      if (body[req] !== undefined && body[req] !== null) continue;
      if (mode.response) throw new ResponseShapeError(at(req), `the required property is missing from '${name}'.`);
      throw propertyError('MissingRequiredProperty', at(req));
    }
  }
  for (const [prop, type] of propertiesOf(name, def.properties)) {
    const value = body[prop];
    if (value === undefined || value === null) continue;
    checkValue(type, value, at(prop), mode);
    if (mode.response) continue;
    const max = def.maxLength?.[prop];
    if (max !== undefined && typeof value === 'string' && value.length > max) {
      throw propertyError('InvalidPropertyValue', at(prop), `The value is longer than ${max} characters.`);
    }
    const maxItems = def.maxItems?.[prop];
    if (maxItems !== undefined && Array.isArray(value) && value.length > maxItems) {
      throw propertyError('InvalidPropertyValue', at(prop), `At most ${maxItems} items are allowed.`);
    }
  }
  if (mode.response) return;
  if (def.caseInsensitiveId && typeof body.id === 'string' && !ID_PATTERN.test(body.id)) {
    throw propertyError('InvalidPropertyValue', at('id'), 'The id may contain only letters, digits, hyphens and underscores.');
  }
  if (def.caseInsensitiveId && body.id === '') throw propertyError('InvalidPropertyValue', at('id'), 'The id must not be empty.');
}

/** Validates the request body of `operation` against its definition in the facts (an empty body when none was sent). */
export function validateBody(operation: string, body: Record<string, unknown> | undefined): void {
  const name = specFacts.operations[operation]?.body;
  if (!name) throw new Error(`batch-service: ${operation} takes no body`);
  validateDefinition(name, body ?? {});
}

/** The definition of the items of an array property (`[#Item]`), e.g. the tasks of an add-collection body. */
export function itemDefinition(definition: string, property: string): string {
  const item = /^\[#(.+)\]$/.exec(specFacts.definitions[definition]?.properties[property] ?? '')?.[1];
  if (!item) throw new Error(`batch-service: ${definition}.${property} is not a list of objects`);
  return item;
}

/**
 * Checks one of the service's own answers against the description: the success body of `operation`
 * (its `response` definition). With `$select` the selected entity (the answer, or the items of a
 * list's `value`) may lack properties the description marks required, as the service omits them.
 */
export function validateResponse(operation: string, body: unknown, selected: boolean): void {
  const name = specFacts.operations[operation]?.response;
  if (!name || body === undefined) return;
  if (!isObject(body)) throw new ResponseShapeError('', 'the body must be a JSON object.');
  const skipRequired = new Set<string>();
  if (selected) {
    skipRequired.add(name);
    if (specFacts.definitions[name]?.properties.value?.startsWith('[#')) skipRequired.add(itemDefinition(name, 'value'));
  }
  validateDefinition(name, body, '', { response: true, skipRequired });
}

/** Parses an ISO 8601 duration (as the spec uses, e.g. `PT15M`, `P10675199DT2H48M5.477S`) into milliseconds. */
export function durationMs(value: string): number {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value);
  if (!m) return Number.POSITIVE_INFINITY;
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number];
  return (((d * 24 + h) * 60 + min) * 60 + s) * 1000;
}
