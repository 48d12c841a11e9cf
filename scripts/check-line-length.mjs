#!/usr/bin/env node
// No source line longer than 140 characters (`node scripts/check-line-length.mjs`, part of
// `npm run check`; plain Node, no dependencies). Biome formats code at that width but leaves comments,
// long string and template literals and test titles as they are, so this catches what it does not.
// It reads the .ts/.mts/.cts/.js/.mjs/.cjs files under packages/*/src, packages/*/test-support, test/,
// scripts/, actions/ and models/, skipping dist/, node_modules/ and the like; JSON (generated
// schemas, spec facts, fixtures) is not read at all. Characters are Unicode code points, so `…` or `×`
// counts as one. One line per long line, `file:line: N characters (fix: …)`; exit code 1 when there is any.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMain, repoRoot } from './docs-cli.mjs';

export const LINE_LIMIT = 140;
const SOURCE_EXTENSIONS = /\.(ts|mts|cts|js|mjs|cjs)$/;
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', '.turbo', 'coverage']);
/** The folders checked, relative to the root; `*` is every folder at that level. */
const SOURCE_ROOTS = ['packages/*/src', 'packages/*/test-support', 'test', 'scripts', 'actions', 'models'];

/**
 * The lines longer than `limit` characters in the source files under `root`, each `{ file, line, length }`
 * with `file` relative to `root` and `/`-separated; an empty list when there are none.
 */
export function checkLineLength(root, limit = LINE_LIMIT) {
  const long = [];
  for (const file of sourceFiles(root)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, index) => {
      const length = [...text.replace(/\r$/, '')].length;
      if (length > limit) long.push({ file: path.relative(root, file).split(path.sep).join('/'), line: index + 1, length });
    });
  }
  return long.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/** `file:line: N characters (fix: wrap it; the limit is 140)`. */
export function formatLongLine(long, limit = LINE_LIMIT) {
  return `${long.file}:${long.line}: ${long.length} characters (fix: wrap it; the limit is ${limit})`;
}

function sourceFiles(root) {
  const files = new Set();
  for (const pattern of SOURCE_ROOTS) {
    for (const dir of expand(root, pattern.split('/'))) walk(dir, files);
  }
  return [...files].sort();
}

/** The folders matching `segments` under `dir`, where a `*` segment is every folder at that level. */
function expand(dir, segments) {
  if (segments.length === 0) return existsSync(dir) ? [dir] : [];
  const [first, ...rest] = segments;
  if (first !== '*') return expand(path.join(dir, first), rest);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name))
    .flatMap((entry) => expand(path.join(dir, entry.name), rest));
}

function walk(dir, files) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) walk(full, files);
    } else if (entry.isFile() && SOURCE_EXTENSIONS.test(entry.name)) {
      files.add(full);
    }
  }
}

function main() {
  const root = path.resolve(process.argv[2] ?? repoRoot);
  const long = checkLineLength(root);
  for (const line of long) console.log(formatLongLine(line));
  if (long.length > 0) {
    console.log(`check-line-length: ${long.length} line${long.length === 1 ? '' : 's'} over ${LINE_LIMIT} characters`);
    process.exitCode = 1;
  } else {
    console.log(`check-line-length: no source line over ${LINE_LIMIT} characters`);
  }
}

if (isMain(import.meta.url)) main();
