import { z } from 'zod';
import { experimentSchema } from './experiment.js';

/** JSON Schema of experiment files, generated from the zod schema (for editors). */
export function experimentJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(experimentSchema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://mxn.dev/schemas/experiment.schema.json',
    title: 'mxn experiment',
  };
}

export function experimentJsonSchemaText(): string {
  return `${JSON.stringify(experimentJsonSchema(), null, 2)}\n`;
}
