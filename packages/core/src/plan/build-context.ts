/**
 * Content hash of a model's build folder, honouring its `.dockerignore`, and of the workspace
 * packages it depends on (they are packed into its image, and a local run loads them): the same
 * content gives the same hash on every machine. It is part of cell keys and the image tag.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, realpath } from 'node:fs/promises';
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

/**
 * The files of a build folder that its image and its hash take in: every file but `node_modules/`,
 * `.git/` and what `.dockerignore` leaves out, as sorted `/`-separated relative paths. The process
 * runtime copies exactly these into a task's scratch folder.
 */
export async function buildContextFiles(dir: string): Promise<string[]> {
  const ignored = await readIgnore(dir);
  return (await walk(dir, '')).filter((file) => !ignored(file)).sort();
}

async function computeHash(dir: string): Promise<string> {
  const files = await buildContextFiles(dir);
  const hash = createHash('sha256');
  await hashFiles(hash, dir, files);
  for (const [name, digest] of await workspaceDependencies(dir, new Set([dir]))) hash.update(`dependency:${name}\0${digest}\0`);
  return hash.digest('hex');
}

async function hashFiles(hash: ReturnType<typeof createHash>, dir: string, files: string[]): Promise<void> {
  for (const file of files) {
    hash.update(file).update('\0');
    hash
      .update(
        createHash('sha256')
          .update(await readFile(path.join(dir, file)))
          .digest(),
      )
      .update('\0');
  }
}

/**
 * The dependencies in `dir/package.json` that resolve to workspace packages (a symlink out of
 * node_modules, as npm workspaces make) with a hash of their sources, recursively. Registry
 * packages are left out: their versions are already in the package.json that was hashed.
 */
async function workspaceDependencies(dir: string, seen: Set<string>): Promise<Array<[string, string]>> {
  const manifest = (await readFile(path.join(dir, 'package.json'), 'utf8')
    .then((text) => JSON.parse(text) as unknown)
    .catch(() => undefined)) as { dependencies?: Record<string, string> } | undefined;
  const out: Array<[string, string]> = [];
  for (const name of Object.keys(manifest?.dependencies ?? {}).sort()) {
    const location = await resolvePackage(dir, name);
    if (!location || seen.has(location) || !(await isWorkspacePackage(location, name))) continue;
    seen.add(location);
    const hash = createHash('sha256');
    const files = (await walk(location, '')).filter(isPackageSource).sort();
    await hashFiles(hash, location, files);
    for (const [inner, digest] of await workspaceDependencies(location, seen)) hash.update(`dependency:${inner}\0${digest}\0`);
    out.push([name, hash.digest('hex')]);
  }
  return out;
}

/**
 * The files of a workspace package that are its source: not its build output (`dist/`, `*.tsbuildinfo`) nor
 * turbo's logs (`.turbo/`, rewritten by every build): building a package changes neither its hash nor a cell key.
 */
const isPackageSource = (file: string): boolean => !/^(dist|\.turbo)\//.test(file) && !file.endsWith('.tsbuildinfo');

/** Where node would find package `name` from `dir`: the real path of the nearest node_modules/<name>. */
async function resolvePackage(dir: string, name: string): Promise<string | undefined> {
  for (let current = dir; ; current = path.dirname(current)) {
    const found = await realpath(path.join(current, 'node_modules', name)).catch(() => undefined);
    if (found) return found;
    if (path.dirname(current) === current) return undefined;
  }
}

/**
 * Whether the real folder `location` that `node_modules/<name>` leads to is a workspace package of
 * that name: outside every `node_modules` (a link, as npm workspaces make) and with `name` in its
 * package.json. A link to anything else (`/`, `/etc`, another package) is no workspace package, so
 * neither the hash here nor the image's build context (@mxn/images) follows it.
 */
export async function isWorkspacePackage(location: string, name: string): Promise<boolean> {
  return !location.split(path.sep).includes('node_modules') && (await packageName(location)) === name;
}

/** The `name` in `dir/package.json`, if it has one. */
async function packageName(dir: string): Promise<unknown> {
  const manifest = (await readFile(path.join(dir, 'package.json'), 'utf8')
    .then((text) => JSON.parse(text) as unknown)
    .catch(() => undefined)) as { name?: unknown } | undefined;
  return manifest?.name;
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
