import { z } from 'zod';
import type { ExperimentSchema } from './experiment.js';

/**
 * JSON Schema of experiment files (for editors), generated from an experiment schema: pass
 * `experimentSchemaFor(...)` with every backend's settings (@mxn/engine's `experimentJsonSchema()`
 * does, and writes `schemas/experiment.schema.json`).
 */
export function jsonSchemaOf(schema: ExperimentSchema): Record<string, unknown> {
  const generated = z.toJSONSchema(schema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
  return {
    ...generated,
    $id: 'https://mxn.dev/schemas/experiment.schema.json',
    title: 'mxn experiment',
  };
}

export function jsonSchemaTextOf(schema: ExperimentSchema): string {
  return `${JSON.stringify(jsonSchemaOf(schema), null, 2)}\n`;
}
