#!/usr/bin/env node
// `npm run demo`: writes the demo housing datasets (deterministic, skipped when present)
// and runs experiments/housing-demo.yaml locally with the mxn CLI.
import path from 'node:path';
import { writeHousingDemo } from '@mxn/demo-data';
import { main } from '@mxn/cli';

const files = [];
await writeHousingDemo('data/housing', { onFile: (info) => files.push(info) });
console.error(`demo data: ${files.map((file) => `${path.relative(process.cwd(), file.path)} (${file.rows} rows)`).join(', ')}`);
process.exitCode = await main(['run', 'experiments/housing-demo.yaml', ...process.argv.slice(2)]);
