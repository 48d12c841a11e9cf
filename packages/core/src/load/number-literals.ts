/**
 * Keeps the params' numbers as written (see `ParamNumber`): after the YAML is read into plain values,
 * each number under `models[i].params` and `aggregate.params` whose JSON would change its type or
 * its digits (`1.0`, `1e3`, `12345678901234567890`) is replaced by a `ParamNumber` with its literal.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { floatLiteral, ParamNumber } from '../plan/param-json.js';

/** A float in YAML 1.2's core schema: a decimal point or an exponent (hex and octal ints have neither, `0x1e` aside). */
const FLOAT_SOURCE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/** Rewrites, in `raw`, the params numbers that JSON would not write as written. */
export function keepNumberLiterals(doc: Document, raw: unknown): void {
  const root = raw as { models?: unknown; aggregate?: unknown } | null;
  if (!root || typeof root !== 'object') return;
  if (Array.isArray(root.models))
    for (const [index, model] of root.models.entries()) keepIn(model, doc.getIn(['models', index, 'params'], true), doc);
  keepIn(root.aggregate, doc.getIn(['aggregate', 'params'], true), doc);
}

function keepIn(owner: unknown, node: unknown, doc: Document): void {
  if (!owner || typeof owner !== 'object' || !('params' in owner)) return;
  const holder = owner as { params: unknown };
  holder.params = literalOf(holder.params, node, doc, []);
}

/** `value` with its numbers kept as written in `node` (the YAML node it was read from). */
function literalOf(value: unknown, node: unknown, doc: Document, path: unknown[]): unknown {
  if (isAlias(node)) return path.includes(node) ? value : literalOf(value, node.resolve(doc), doc, [...path, node]);
  if (isScalar(node)) return typeof value === 'number' ? numberOf(value, node.source, node.type) : value;
  if (isSeq(node) && Array.isArray(value))
    return value.map((item, index) => literalOf(item, node.items[index] as Node | undefined, doc, path));
  if (isMap(node) && value && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key !== undefined && Object.hasOwn(record, key)) record[key] = literalOf(record[key], pair.value, doc, path);
    }
  }
  return value;
}

function numberOf(value: number, source: string | undefined, type: string | undefined): number | ParamNumber {
  if (source === undefined || (type !== undefined && type !== 'PLAIN') || !Number.isFinite(value)) return value;
  if (FLOAT_SOURCE.test(source) && /[.eE]/.test(source))
    return Number.isInteger(value) ? new ParamNumber(value, floatLiteral(value)) : value;
  if (Number.isSafeInteger(value) || !Number.isInteger(value)) return value;
  try {
    return new ParamNumber(value, BigInt(source.replace(/^\+/, '')).toString());
  } catch {
    return value;
  }
}
