// A package README's API section lists exactly what the package exports.
//
// The convention (packages/*/README.md):
//   - Every package README has an API section: it starts at a heading whose text starts with "API" or
//     "Exports" (`## API`) and runs to the next heading of any level. Its list is hand-written, or
//     generated from the sources between `<!-- api:start -->` and `<!-- api:end -->` by
//     scripts/api-docs.mjs (`npm run docs`; test/api-docs.test.ts keeps those lists fresh); both are
//     checked here the same way.
//   - Each top-level bullet (`- ` at the start of the line, with its indented continuation lines) and
//     each table row (its first cell) lists the names it documents as the code spans it starts with,
//     separated by commas, slashes or "and"/"or", optionally after a label ending in a colon:
//         - `runPool(items, concurrency, worker)` — runs …        lists runPool
//         - `AZURITE_ACCOUNT`, `AZURITE_KEY`: the account …       lists AZURITE_ACCOUNT, AZURITE_KEY
//         - Types: `S3Handle`, `StartS3Options`.                   lists S3Handle, StartS3Options
//         | `readParquet(bytes)` | decodes …                       lists readParquet
//     The name is the identifier the code span starts with. Nested bullets and the prose after the
//     first other text are details and list nothing.
//   - Every listed name is exported by one of the package's entry points (package.json `exports`,
//     `./dist/<p>.js` read from `src/<p>.ts`), and every export — value or type — is listed.
// Exports are read from the sources with the TypeScript compiler API (test/support/readme-api.ts), so
// type-only exports count and nothing has to be built.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { entryPoints, exportedNames, leadingNames, readApiSection } from './support/readme-api.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = path.join(repoRoot, 'packages');

interface DocumentedPackage {
  name: string;
  dir: string;
  readme: string;
}

function workspacePackages(): DocumentedPackage[] {
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(packagesDir, entry.name, 'package.json')))
    .map((entry) => ({
      name: entry.name,
      dir: path.join(packagesDir, entry.name),
      readme: path.join(packagesDir, entry.name, 'README.md'),
    }));
}

const hasApiSection = (pkg: DocumentedPackage) => existsSync(pkg.readme) && readApiSection(readFileSync(pkg.readme, 'utf8')) !== undefined;

/** The problems of one package, one line each: `packages/x/README.md:line: … (fix: …)`. */
function apiProblems(pkg: DocumentedPackage, exportsOf: Map<string, string[]>): string[] {
  const readmeText = readFileSync(pkg.readme, 'utf8');
  const section = readApiSection(readmeText);
  if (!section) return [];
  const where = path.relative(repoRoot, pkg.readme);
  const entries = entryPoints(pkg.dir);
  const entryNames = entries.map((entry) => (entry.subpath === '.' ? `src/${path.basename(entry.source)}` : entry.source)).join(', ');
  const exported = new Set(entries.flatMap((entry) => exportsOf.get(path.join(pkg.dir, entry.source)) ?? []));
  const listed = new Set(section.names.map((listedName) => listedName.name));
  const problems: string[] = [];
  for (const { name, line } of section.names) {
    if (!exported.has(name)) {
      problems.push(
        `${where}:${line}: \`${name}\` is listed but not exported by ${entryNames} (fix: drop it from the API section, or export it)`,
      );
    }
  }
  for (const name of [...exported].sort()) {
    if (!listed.has(name)) problems.push(`${where}:${section.line}: export ${name} is not documented (fix: add it to the API section)`);
  }
  return problems;
}

describe('README API sections: the convention', () => {
  it('reads the leading code spans of top-level bullets and table rows, after an optional label', () => {
    const section = readApiSection(
      [
        '# @mxn/x',
        '- `outside` — before the section, not read',
        '## API',
        '- `runPool(items, concurrency)` — runs `worker` on each item',
        '  - `nested`: an option, not an export',
        '- `AZURITE_ACCOUNT`, `AZURITE_KEY`: the development account; `notListed` is prose',
        '- Types: `S3Handle`,',
        '  `StartS3Options`.',
        '- `accountKey` / `credential` and `token`',
        '',
        '| export | what it does |',
        '| --- | --- |',
        '| `readParquet(bytes \\| path): Table` | decodes; see `splitIndices` |',
        '| `column`, `selectRows` | helpers |',
        '| `DataError` (`code`: `InvalidParquet`) | errors |',
        '```ts',
        '- `inCode` is not read',
        '```',
        '### Details',
        '- `afterTheSection` is not read',
      ].join('\n'),
    );
    expect(section?.line).toBe(3);
    expect(section?.names.map((listed) => listed.name)).toEqual([
      'runPool',
      'AZURITE_ACCOUNT',
      'AZURITE_KEY',
      'S3Handle',
      'StartS3Options',
      'accountKey',
      'credential',
      'token',
      'readParquet',
      'column',
      'selectRows',
      'DataError',
    ]);
    expect(leadingNames("`'onehot'` (default)")).toEqual([]);
    expect(readApiSection('# @mxn/x\n\n## Usage\n- `a`\n')).toBeUndefined();
  });

  it('reads value and type exports through re-exports, without building', () => {
    const exportsOf = exportedNames([path.join(packagesDir, 'async/src/index.ts')]);
    expect(exportsOf.get(path.join(packagesDir, 'async/src/index.ts'))).toEqual(
      expect.arrayContaining(['runPool', 'retry', 'RetryOptions']),
    );
  });
});

describe('README API sections list exactly the exports', () => {
  const all = workspacePackages();
  const packages = all.filter(hasApiSection);
  let exportsOf: Map<string, string[]> | undefined;
  // One compiler run for every package, on first use.
  const exportsOfAll = () =>
    (exportsOf ??= exportedNames(packages.flatMap((pkg) => entryPoints(pkg.dir).map((entry) => path.join(pkg.dir, entry.source)))));

  it('every package README has an API section', () => {
    expect(all.length).toBeGreaterThan(0);
    const missing = all
      .filter((pkg) => !hasApiSection(pkg))
      .map(
        (pkg) =>
          `${path.relative(repoRoot, pkg.readme)}: no API section (fix: ` +
          `add "## API" with <!-- api:start --> and <!-- api:end --> under it, then npm run docs; or list the exports by hand)`,
      );
    expect(missing).toEqual([]);
  });

  for (const pkg of packages) {
    it(`packages/${pkg.name}/README.md`, () => {
      expect(apiProblems(pkg, exportsOfAll())).toEqual([]);
    });
  }
});
