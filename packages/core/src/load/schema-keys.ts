/** Allowed keys of the object schema at a path inside the experiment schema (for "did you mean"). */
import type { z } from 'zod';

type AnySchema = z.ZodType & { _zod: { def: Record<string, unknown> } };

export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current = unwrap(schema as AnySchema);
  for (const key of path) {
    const def = current._zod.def;
    if (def.type === 'array' && typeof key === 'number') current = unwrap(def.element as AnySchema);
    else if (def.type === 'object') {
      const next = (def.shape as Record<string, AnySchema>)[String(key)];
      if (!next) return [];
      current = unwrap(next);
    } else return [];
  }
  const def = current._zod.def;
  return def.type === 'object' ? Object.keys(def.shape as object) : [];
}

function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  while (['optional', 'default', 'nullable', 'prefault'].includes(String(current._zod.def.type))) {
    current = current._zod.def.innerType as AnySchema;
  }
  return current;
}
