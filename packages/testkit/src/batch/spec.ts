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

function checkValue(type: TypeFact, value: unknown, path: string): void {
  const bad = (reason: string): never => {
    throw propertyError('InvalidPropertyValue', path, reason);
  };
  if (value === null || value === undefined) return;
  if (type.startsWith('[')) {
    if (!Array.isArray(value)) bad('The value must be an array.');
    (value as unknown[]).forEach((item, i) => {
      checkValue(type.slice(1, -1), item, `${path}[${i}]`);
    });
    return;
  }
  if (type.startsWith('#')) {
    if (!isObject(value)) bad('The value must be an object.');
    validateDefinition(type.slice(1), value as Record<string, unknown>, path);
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

/**
 * Validates `body` against the definition `name`: no unknown properties, required ones present,
 * types, enums, maximum lengths and item counts, and the id format. Throws a `BatchServiceError`.
 */
export function validateDefinition(name: string, body: Record<string, unknown>, path = ''): void {
  const def = specFacts.definitions[name];
  if (!def) throw new Error(`batch-service: no spec facts for ${name}`);
  const at = (prop: string): string => (path ? `${path}.${prop}` : prop);
  for (const key of Object.keys(body)) {
    if (!(key in def.properties)) {
      throw new BatchServiceError('InvalidRequestBody', [
        { key: 'Reason', value: `The property '${at(key)}' does not exist on type '${name}'.` },
      ]);
    }
  }
  for (const req of def.required ?? []) {
    if (body[req] === undefined || body[req] === null) throw propertyError('MissingRequiredProperty', at(req));
  }
  for (const [prop, type] of propertiesOf(name, def.properties)) {
    const value = body[prop];
    if (value === undefined || value === null) continue;
    checkValue(type, value, at(prop));
    const max = def.maxLength?.[prop];
    if (max !== undefined && typeof value === 'string' && value.length > max) {
      throw propertyError('InvalidPropertyValue', at(prop), `The value is longer than ${max} characters.`);
    }
    const maxItems = def.maxItems?.[prop];
    if (maxItems !== undefined && Array.isArray(value) && value.length > maxItems) {
      throw propertyError('InvalidPropertyValue', at(prop), `At most ${maxItems} items are allowed.`);
    }
  }
  if (def.caseInsensitiveId && typeof body.id === 'string' && !ID_PATTERN.test(body.id)) {
    throw propertyError('InvalidPropertyValue', at('id'), 'The id may contain only letters, digits, hyphens and underscores.');
  }
  if (def.caseInsensitiveId && body.id === '') throw propertyError('InvalidPropertyValue', at('id'), 'The id must not be empty.');
}

/** Parses an ISO 8601 duration (as the spec uses, e.g. `PT15M`, `P10675199DT2H48M5.477S`) into milliseconds. */
export function durationMs(value: string): number {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value);
  if (!m) return Number.POSITIVE_INFINITY;
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number];
  return (((d * 24 + h) * 60 + min) * 60 + s) * 1000;
}
