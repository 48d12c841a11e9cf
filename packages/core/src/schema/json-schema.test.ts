import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { experimentJsonSchemaText } from './json-schema.js';

const committed = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../schemas/experiment.schema.json');

describe('schemas/experiment.schema.json', () => {
  it('is what the zod schema generates (run `npm run schema` after changing the schema)', async () => {
    expect(await readFile(committed, 'utf8')).toBe(experimentJsonSchemaText());
  });

  it('offers completion for the documented keys', () => {
    const schema = JSON.parse(experimentJsonSchemaText()) as { properties: Record<string, unknown>; additionalProperties: boolean };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'datasets', 'models', 'evaluation', 'aggregate', 'compute']));
    expect(schema.additionalProperties).toBe(false);
  });
});
