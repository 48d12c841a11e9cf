/** Writes `schemas/experiment.schema.json`: `node packages/engine/dist/write-json-schema.js <file>` (`npm run schema`). */
import { writeFileSync } from 'node:fs';
import { experimentJsonSchemaText } from './experiment-schema.js';

const file = process.argv[2] ?? 'schemas/experiment.schema.json';
writeFileSync(file, experimentJsonSchemaText());
console.log(`wrote ${file}`);
