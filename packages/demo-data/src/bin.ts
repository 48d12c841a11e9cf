#!/usr/bin/env node
import { relative } from 'node:path';
import { writeHousingDemo } from './write-housing-demo.js';

const USAGE = 'usage: mxn-demo-data [dir] [--seed N]   (dir defaults to data/housing)';

async function main(argv: string[]): Promise<number> {
  let dir = 'data/housing';
  let seed: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (arg === '--seed') {
      seed = Number(argv[++i]);
      if (!Number.isInteger(seed)) {
        process.stderr.write(`demo-data: --seed needs a whole number\n${USAGE}\n`);
        return 2;
      }
    } else if (arg.startsWith('-')) {
      process.stderr.write(`demo-data: unknown option ${arg}\n${USAGE}\n`);
      return 2;
    } else {
      dir = arg;
    }
  }
  await writeHousingDemo(dir, {
    ...(seed === undefined ? {} : { seed }),
    onFile: (file) => {
      const shown = relative(process.cwd(), file.path) || file.path;
      process.stdout.write(`${file.written ? 'wrote    ' : 'unchanged'} ${shown} (${file.rows} rows)\n`);
    },
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo-data: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
