// scripts/check-line-length.mjs on a tiny fake repository: a line over the limit is reported, a line of
// exactly 140 characters is not, and neither are built files or files outside the source folders.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLineLength, formatLongLine } from '../scripts/check-line-length.mjs';

const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../scripts/check-line-length.mjs');
const roots: string[] = [];

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function repository(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'check-line-length-'));
  roots.push(root);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  return root;
}

/** A line comment of exactly `length` characters; `×` is one character but two bytes. */
const line = (length: number) => `// ${'×'.repeat(length - 3)}`;

/** A file in each source folder besides a package src/. */
const otherFolders = [
  'packages/a/test-support/helper.ts',
  'test/a.test.ts',
  'scripts/a.mjs',
  'actions/run/src/main.ts',
  'models/m/train.js',
];

/** `files`, each holding the one line `text`. */
const everyFolder = (files: string[], text: string) => Object.fromEntries(files.map((file) => [file, `${text}\n`]));

describe('check-line-length', () => {
  it('reports a line over 140 characters with its file, line and length, and exits 1', () => {
    const root = repository({
      'packages/a/src/long.ts': `export const a = 1;\n${line(141)}\n`,
      'packages/a/src/fine.ts': `${line(140)}\r\n${line(140)}\n`,
      'packages/a/dist/long.js': `${line(200)}\n`,
      'packages/a/src/node_modules/x/index.js': `${line(200)}\n`,
      'docs/long.ts': `${line(200)}\n`,
    });
    const long = checkLineLength(root);
    expect(long).toEqual([{ file: 'packages/a/src/long.ts', line: 2, length: 141 }]);
    expect(formatLongLine(long[0]!)).toBe('packages/a/src/long.ts:2: 141 characters (fix: wrap it; the limit is 140)');
    const run = spawnSync(process.execPath, [script, root], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('packages/a/src/long.ts:2: 141 characters (fix: wrap it; the limit is 140)\n');
  });

  it('accepts lines of 140 characters in every source folder, and exits 0', () => {
    const root = repository(everyFolder(['packages/a/src/index.ts', ...otherFolders], line(140)));
    expect(checkLineLength(root)).toEqual([]);
    const run = spawnSync(process.execPath, [script, root], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('check-line-length: no source line over 140 characters\n');
  });

  it('checks every source folder', () => {
    const root = repository(everyFolder(otherFolders, line(141)));
    expect(checkLineLength(root).map((long) => long.file)).toEqual([
      'actions/run/src/main.ts',
      'models/m/train.js',
      'packages/a/test-support/helper.ts',
      'scripts/a.mjs',
      'test/a.test.ts',
    ]);
  });
});
