/**
 * Content hash of a model's build folder, honouring its `.dockerignore`: the same folder
 * content gives the same hash on every machine. It is part of cell keys and the image tag.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { globToRegExp } from '../load/data-source.js';

const memo = new Map<string, Promise<string>>();

export function hashBuildContext(dir: string): Promise<string> {
  const key = path.resolve(dir);
  let hash = memo.get(key);
  if (!hash) {
    hash = computeHash(key);
    memo.set(key, hash);
  }
  return hash;
}

/** Forgets memoised hashes (for long-lived processes and tests that edit build folders). */
export function clearBuildContextHashes(): void {
  memo.clear();
}

async function computeHash(dir: string): Promise<string> {
  const ignored = await readIgnore(dir);
  const files = (await walk(dir, '')).filter((file) => !ignored(file)).sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file).update('\0');
    hash.update(createHash('sha256').update(await readFile(path.join(dir, file))).digest()).update('\0');
  }
  return hash.digest('hex');
}

async function walk(dir: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === '.git') continue;
      out.push(...(await walk(dir, rel)));
    } else if (entry.isFile()) out.push(rel);
  }
  return out;
}

/** A matcher for `.dockerignore` rules: globs, `**`, directory prefixes, and `!` exceptions (last match wins). */
async function readIgnore(dir: string): Promise<(file: string) => boolean> {
  const text = await readFile(path.join(dir, '.dockerignore'), 'utf8').catch(() => '');
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = path.posix.normalize((negate ? line.slice(1) : line).replace(/^\/+/, '')).replace(/\/+$/, '');
      return { negate, regex: globToRegExp(pattern), prefix: `${pattern}/` };
    });
  return (file) => {
    let ignored = false;
    for (const rule of rules) if (rule.regex.test(file) || file.startsWith(rule.prefix)) ignored = !rule.negate;
    return ignored;
  };
}
