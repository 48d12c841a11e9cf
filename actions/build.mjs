// Bundles each action's entry (actions/<name>/src/main.ts) into actions/<name>/dist/index.js with
// esbuild. The workflow runs this after `npm ci && npm run build`, before `uses: ./actions/<name>`;
// dist/ is not committed (see docs/github.md). Cloud backends stay outside the bundle and load
// from node_modules at run time, only when an experiment uses them.
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const names = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(path.join(here, entry.name, 'src/main.ts')))
  .map((entry) => entry.name)
  .filter((name) => only.length === 0 || only.includes(name));

await Promise.all(
  names.map((name) =>
    build({
      entryPoints: [path.join(here, name, 'src/main.ts')],
      outfile: path.join(here, name, 'dist/index.js'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['@mxn/backend-azure-batch', '@azure/*', '@aws-sdk/*'],
      banner: {
        js: "import { createRequire as __mxnCreateRequire } from 'node:module'; const require = __mxnCreateRequire(import.meta.url);",
      },
      logLevel: 'warning',
      legalComments: 'none',
    }),
  ),
);
console.log(`bundled ${names.map((name) => `actions/${name}/dist/index.js`).join(', ')}`);
