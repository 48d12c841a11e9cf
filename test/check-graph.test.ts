// scripts/check-graph.mjs on a tiny fake workspace: a dependency cycle, imports that reach into another
// package, an undeclared workspace import, and look-alikes in comments and template literals that are
// not imports.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkGraph, formatProblem, importSpecifiers } from '../scripts/check-graph.mjs';

const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../scripts/check-graph.mjs');
const roots: string[] = [];

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function workspace(files: Record<string, string | object>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'check-graph-'));
  roots.push(root);
  const all = { 'package.json': { name: 'fake', private: true, workspaces: ['packages/*'] }, ...files };
  for (const [file, content] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  }
  return root;
}

const manifest = (name: string, fields: Record<string, Record<string, string>> = {}) => ({ name, version: '0.1.0', ...fields });

describe('check-graph', () => {
  it('reports a dependency cycle through a devDependency, with the cycle and the line of its first edge', () => {
    const root = workspace({
      'packages/a/package.json': manifest('@mxn/a', { dependencies: { '@mxn/b': '*' } }),
      'packages/b/package.json': manifest('@mxn/b', { devDependencies: { '@mxn/a': '*' } }),
      'packages/c/package.json': manifest('@mxn/c', { dependencies: { '@mxn/a': '*' } }),
    });
    const problems = checkGraph(root);
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^packages\/a\/package\.json:5: dependency cycle: @mxn\/a → @mxn\/b → @mxn\/a \(devDependencies of @mxn\/b\) \(fix: .+\)$/,
      ),
    ]);
  });

  it('reports each cycle through a tangle once (storage ⇄ testkit, and core through both)', () => {
    const root = workspace({
      'packages/core/package.json': manifest('@mxn/core', { dependencies: { '@mxn/storage': '*' } }),
      'packages/storage/package.json': manifest('@mxn/storage', { devDependencies: { '@mxn/testkit': '*' } }),
      'packages/testkit/package.json': manifest('@mxn/testkit', { dependencies: { '@mxn/storage': '*', '@mxn/core': '*' } }),
    });
    expect(checkGraph(root).map((problem) => problem.message)).toEqual([
      'dependency cycle: @mxn/core → @mxn/storage → @mxn/testkit (devDependencies of @mxn/storage) → @mxn/core',
      'dependency cycle: @mxn/storage → @mxn/testkit (devDependencies of @mxn/storage) → @mxn/storage',
    ]);
  });

  it('reports imports into another package (relative or by name) and undeclared workspace imports, not look-alikes', () => {
    const root = workspace({
      'packages/a/package.json': manifest('@mxn/a', { dependencies: { '@mxn/b': '*' } }),
      'packages/b/package.json': manifest('@mxn/b'),
      'packages/c/package.json': manifest('@mxn/c'),
      'packages/b/src/index.ts': 'export const b = 1;\n',
      'packages/a/src/index.ts': [
        "import { b } from '@mxn/b';",
        "import { inner } from '../../b/src/inner.js';",
        "export { c } from '@mxn/c';",
        "import type { X } from '@mxn/b/src/types.js';",
        "// import { nope } from '@mxn/c/src/commented.js';",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixture's own source holds a template literal
        "const fixture = `import { runTask } from '@mxn/c';\n${'${'}1}`;",
        'const quoted = "import x from \'../../c/src/y.js\'";',
        "const lazy = await import('@mxn/c');",
        'export const a = [b, inner, fixture, quoted, lazy] as X[];',
      ].join('\n'),
      'packages/a/src/self.ts': "import { a } from '@mxn/a';\nimport { here } from './index.js';\nexport const self = [a, here];\n",
      'test/e2e.test.ts': "import { c } from '@mxn/c';\nimport { deep } from '../packages/b/src/deep.js';\nexport const t = [c, deep];\n",
      'scripts/tool.mjs': "const { b } = await import('@mxn/b');\nconsole.log(b);\n",
    });
    const lines = checkGraph(root).map((problem) => `${problem.file}:${problem.line}: ${problem.message}`);
    expect(lines).toEqual([
      "packages/a/src/index.ts:2: '../../b/src/inner.js' reaches into packages/b/src/inner.js",
      "packages/a/src/index.ts:3: imports '@mxn/c' but packages/a/package.json does not declare @mxn/c",
      "packages/a/src/index.ts:4: '@mxn/b/src/types.js' reaches into @mxn/b's src/",
      "packages/a/src/index.ts:9: imports '@mxn/c' but packages/a/package.json does not declare @mxn/c",
      "test/e2e.test.ts:2: '../packages/b/src/deep.js' reaches into packages/b/src/deep.js",
    ]);
    const fixes = checkGraph(root).map((problem) => problem.fix);
    expect(fixes[1]).toBe('add "@mxn/c": "*" to "dependencies" of packages/a/package.json');
  });

  it('finds no problem in a clean workspace; the command prints one line per problem and exits 1', () => {
    const clean = workspace({
      'packages/a/package.json': manifest('@mxn/a', { dependencies: { '@mxn/b': '*' } }),
      'packages/b/package.json': manifest('@mxn/b', { devDependencies: { '@mxn/c': '*' } }),
      'packages/c/package.json': manifest('@mxn/c'),
      'packages/a/src/index.ts': "import { b } from '@mxn/b';\nexport const a = b;\n",
      'packages/b/src/index.test.ts': "import { c } from '@mxn/c';\nexport const t = c;\n",
    });
    expect(checkGraph(clean)).toEqual([]);
    const ok = spawnSync(process.execPath, [script, clean], { encoding: 'utf8' });
    expect(ok.status).toBe(0);

    const broken = workspace({
      'packages/a/package.json': manifest('@mxn/a'),
      'packages/b/package.json': manifest('@mxn/b'),
      'packages/a/src/index.ts': "import { b } from '@mxn/b';\nexport const a = b;\n",
    });
    const failed = spawnSync(process.execPath, [script, broken], { encoding: 'utf8' });
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain(
      "packages/a/src/index.ts:1: imports '@mxn/b' but packages/a/package.json does not declare @mxn/b (fix: " +
        'add "@mxn/b": "*" to "dependencies" of packages/a/package.json)\n',
    );
  });

  it('reads specifiers of every import form and skips regular expressions, strings and comments', () => {
    const text = [
      "import 'side-effect';",
      "export * from './all.js';",
      "import x, { y } from\n  'multi-line';",
      "const r = /from 'not-a-module'/g;",
      'const s = \'import("nope")\';',
      'type T = import("type-only").T;',
      "const cjs = require('cjs');",
      "obj.import('method'); obj.from 'x';",
      '/* import z from "block-comment"; */',
    ].join('\n');
    expect(importSpecifiers(text).map((found) => found.specifier)).toEqual(['side-effect', './all.js', 'multi-line', 'type-only', 'cjs']);
  });
});
