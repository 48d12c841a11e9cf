#!/usr/bin/env node
// The `mxn-demo-data` command as npm links it: a committed, executable file (so `npm ci` links it before
// anything is built, and a build restored from a cache cannot lose its executable bit) that runs
// the built generator, or says in one line how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    `mxn-demo-data: not built yet; run "npm run build" in ${fileURLToPath(new URL('../../..', import.meta.url)).replace(/[\\/]$/, '')}\n`,
  );
  process.exit(1);
}
await import(entry.href);
