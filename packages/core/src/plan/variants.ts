import { hasUnsafeCharacters, MAX_VARIANT_BYTES } from './ids.js';
import { hashValue } from './hash.js';
import { paramText } from './param-json.js';

export interface Variant {
  /**
   * `ridge`, or `ridge[alpha=0.1]` when the model has a grid (only the varying params are named).
   * A param whose name or value would make an unsafe id is shown as a digest (`kernel=~3f9a0c12de`),
   * and a name longer than 128 bytes becomes `ridge[~<digest of the params>]`; the values are in
   * full in `params` (and in results.json).
   */
  name: string;
  params: Record<string, unknown>;
  /** The params that are no grid axis, as shown in reports (`max_features` → `1.0`). */
  fixed: Record<string, string>;
}

/** Cells an experiment makes when it has no `compute.maxCells`. */
export const DEFAULT_MAX_CELLS = 10_000;

/** How many variants `params` makes: the product of its lists' lengths, computed without expanding them. */
export function variantCount(params: Record<string, unknown> = {}): number {
  return Object.values(params).reduce<number>((count, value) => (Array.isArray(value) ? count * value.length : count), 1);
}

/** Expands a model's `params` into variants: every list is a grid axis, every other value is fixed. */
export function expandVariants(model: string, params: Record<string, unknown> = {}): Variant[] {
  const axes = Object.entries(params).filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]));
  const fixed = Object.fromEntries(
    Object.entries(params).flatMap(([key, value]) => (Array.isArray(value) ? [] : [[key, paramText(value)]])),
  );
  if (axes.length === 0) return [{ name: model, params: { ...params }, fixed }];
  let combos: Array<Array<[string, unknown]>> = [[]];
  for (const [key, values] of axes)
    combos = combos.flatMap((combo) => values.map((value) => [...combo, [key, value] as [string, unknown]]));
  return combos.map((combo) => ({ name: variantName(model, combo), params: { ...params, ...Object.fromEntries(combo) }, fixed }));
}

function variantName(model: string, combo: Array<[string, unknown]>): string {
  const name = `${model}[${combo.map(([key, value]) => segment(key, value)).join(',')}]`;
  return Buffer.byteLength(name) <= MAX_VARIANT_BYTES ? name : `${model}[~${hashValue(combo).slice(0, 12)}]`;
}

/** `key=value`, as written for ordinary values (so existing names stay); a digest for what would break an id. */
function segment(key: string, value: unknown): string {
  const text = `${key}=${formatValue(value)}`;
  if (!hasUnsafeCharacters(text)) return text;
  return hasUnsafeCharacters(key) ? `~${hashValue([key, value]).slice(0, 10)}` : `${key}=~${hashValue(value).slice(0, 10)}`;
}

function formatValue(value: unknown): string {
  return paramText(value);
}
