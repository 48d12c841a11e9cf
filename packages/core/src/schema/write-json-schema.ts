/** Writes `schemas/experiment.schema.json`: `node dist/schema/write-json-schema.js <file>`. */
import { writeFileSync } from 'node:fs';
import { experimentJsonSchemaText } from './json-schema.js';

const file = process.argv[2] ?? 'schemas/experiment.schema.json';
writeFileSync(file, experimentJsonSchemaText());
console.log(`wrote ${file}`);
