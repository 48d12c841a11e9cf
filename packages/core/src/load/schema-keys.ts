/**
 * What the experiment schema allows at a path (for "did you mean" and "which backend has this key").
 * A discriminated union (`compute`, on `backend`) is resolved with the file's own data: the keys
 * allowed are those of the alternative the file selects.
 */
import type { z } from 'zod';

type AnySchema = z.ZodType & { _zod: { def: Record<string, unknown>; propValues?: Record<string, Set<unknown>> } };

/** Keys of the object schema at `path`, in the alternative `data` selects where there is a choice. */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[], data?: unknown): string[] {
  const node = nodeAt(schema, path, data);
  if (!node) return [];
  const selected = select(node.schema, node.data);
  const def = selected._zod.def;
  if (def.type === 'object') return Object.keys(def.shape as object);
  if (def.type === 'union') return [...new Set((def.options as AnySchema[]).flatMap((option) => keysOf(unwrap(option))))];
  return [];
}

/**
 * Where the object at `path` is one alternative of a union on a discriminator (`compute.backend`):
 * the discriminator, the value the file selects (`local` when it gives none) and the values of the
 * other alternatives that accept `key` (`maxNodes` → `azure-batch`).
 */
export function otherAlternatives(
  schema: z.ZodType,
  path: readonly PropertyKey[],
  data: unknown,
  key: string,
): { discriminator: string; selected: unknown; accepting: string[] } | undefined {
  const node = nodeAt(schema, path, data);
  const def = node?.schema._zod.def;
  if (!node || def?.type !== 'union' || typeof def.discriminator !== 'string') return undefined;
  const discriminator = def.discriminator;
  const chosen = select(node.schema, node.data);
  const value = isRecord(node.data) ? node.data[discriminator] : undefined;
  const accepting = (def.options as AnySchema[])
    .map(unwrap)
    .filter((option) => option !== chosen && keysOf(option).includes(key))
    .flatMap((option) => [...(option._zod.propValues?.[discriminator] ?? [])].filter((v): v is string => typeof v === 'string'));
  const selected = value ?? [...(chosen._zod.propValues?.[discriminator] ?? [])].find((v) => typeof v === 'string');
  return { discriminator, selected, accepting };
}

/**
 * The keys of every alternative of the union at `path` but its discriminator, each with its schema
 * (the first alternative's where two share a key): what an object whose discriminator names no
 * alternative (`backend: azur`) can still be checked against. Undefined when `path` holds no such union.
 */
export function mergedAlternatives(
  schema: z.ZodType,
  path: readonly PropertyKey[],
  discriminator: string,
): Record<string, z.ZodType> | undefined {
  const node = nodeAt(schema, path, undefined);
  const def = node?.schema._zod.def;
  if (!node || def?.type !== 'union' || def.discriminator !== discriminator) return undefined;
  const shape: Record<string, z.ZodType> = {};
  for (const option of (def.options as AnySchema[]).map(unwrap)) {
    for (const [key, value] of Object.entries((option._zod.def.shape ?? {}) as Record<string, z.ZodType>))
      if (key !== discriminator && !(key in shape)) shape[key] = value;
  }
  return shape;
}

/** The (unwrapped, not yet selected) schema at `path` and the data there. */
function nodeAt(schema: z.ZodType, path: readonly PropertyKey[], data: unknown): { schema: AnySchema; data: unknown } | undefined {
  let current = unwrap(schema as AnySchema);
  let value = data;
  for (const key of path) {
    const selected = select(current, value);
    const def = selected._zod.def;
    value = isRecord(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    if (def.type === 'array' && typeof key === 'number') current = unwrap(def.element as AnySchema);
    else if (def.type === 'object') {
      const next = (def.shape as Record<string, AnySchema>)[String(key)];
      if (!next) return undefined;
      current = unwrap(next);
    } else return undefined;
  }
  return { schema: current, data: value };
}

/** The alternative of a discriminated union that `data` selects (by its discriminator), else the schema itself. */
function select(schema: AnySchema, data: unknown): AnySchema {
  const def = schema._zod.def;
  if (def.type !== 'union' || typeof def.discriminator !== 'string') return schema;
  const value = isRecord(data) ? data[def.discriminator] : undefined;
  const match = (def.options as AnySchema[]).find((option) => option._zod.propValues?.[def.discriminator as string]?.has(value));
  return match ? unwrap(match) : schema;
}

function keysOf(schema: AnySchema): string[] {
  return schema._zod.def.type === 'object' ? Object.keys(schema._zod.def.shape as object) : [];
}

function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  while (['optional', 'default', 'nullable', 'prefault'].includes(String(current._zod.def.type))) {
    current = current._zod.def.innerType as AnySchema;
  }
  return current;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
