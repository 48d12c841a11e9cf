import { createHash } from 'node:crypto';
import { writeJson } from './param-json.js';

/** sha256 hex of a value's canonical JSON (object keys sorted). */
export function hashValue(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/**
 * JSON with object keys sorted; a param number keeps its literal (`1.0` is not `1`: a float is
 * another configuration to a model), so only such params change a key.
 */
export function canonicalJson(value: unknown): string {
  return writeJson(value, true) as string;
}
