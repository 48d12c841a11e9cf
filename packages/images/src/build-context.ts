/**
 * A build context ready for `docker build`: a temporary copy of the model folder in which
 * workspace packages it depends on (e.g. `@mxn/model-kit`, not published to npm) are packed as
 * tarballs next to `package.json`, and `package.json` points at them (`file:./<name>.tgz`, with
 * `overrides` for their own workspace dependencies). The Dockerfile must copy them before
 * `npm install`: `COPY package.json *.tgz ./`.
 *
 * A Python model whose `requirements.txt` names `mxn-model-kit` gets the repository's
 * `python/mxn_model_kit/` package copied into the context root as `mxn_model_kit/`, and a
 * `requirements.txt` without that line (the kit is not on PyPI): `COPY . .` puts it next to the
 * model's code, where `import mxn_model_kit` finds it.
 */
import { cp, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isWorkspacePackage, requiresModelKit } from '@mxn/core';
import { spawnCommand, type CommandRunner } from './command-runner.js';
import { ImagesError } from './errors.js';

export interface PreparedContext {
  dir: string;
  /** Workspace packages packed into the context: name → tarball file name. */
  packed: Record<string, string>;
  /** The `mxn_model_kit` folder copied into the context, when requirements.txt names the kit. */
  pythonKit?: string;
  cleanup(): Promise<void>;
}

export interface PrepareOptions {
  /** Project root whose node_modules links the workspace packages. */
  root: string;
  /** Default: spawns the real command. */
  run?: CommandRunner;
  /**
   * The `mxn_model_kit` package folder to vendor. Default: `python/mxn_model_kit` in the nearest
   * folder above `root` (or above this package) that has one.
   */
  pythonKit?: string;
}

interface PackageJson {
  name?: string;
  dependencies?: Record<string, string>;
  overrides?: Record<string, unknown>;
}

export async function prepareBuildContext(buildDir: string, options: PrepareOptions): Promise<PreparedContext> {
  const run = options.run ?? spawnCommand;
  const dir = await mkdtemp(path.join(tmpdir(), 'mxn-image-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    // The folder itself may be a link (a project that links shared models): copy what it points at.
    await cp(await realpath(buildDir), dir, { recursive: true, filter: (source) => !/[\\/](node_modules|\.git)$/.test(source) });
    const pythonKit = await vendorPythonKit(buildDir, dir, options);
    const kit = pythonKit ? { pythonKit } : {};
    const manifestFile = path.join(dir, 'package.json');
    const manifest = await readJson(manifestFile);
    if (!manifest) return { dir, packed: {}, ...kit, cleanup };
    const workspaces = await workspaceDependencies(manifest, options.root);
    const packed: Record<string, string> = {};
    for (const [name, packageDir] of workspaces) {
      // --ignore-scripts: a linked package's prepack/prepare/postpack scripts never run here (a model
      // folder from a pull request may itself be a workspace package another model depends on).
      const result = await run('npm', ['pack', packageDir, '--pack-destination', dir, '--json', '--silent', '--ignore-scripts'], {
        cwd: options.root,
      });
      const file = result.code === 0 ? parsePackOutput(result.stdout) : undefined;
      if (!file)
        throw new ImagesError('Pack', `npm pack of ${name} failed (exit ${result.code}): ${result.stderr.trim().split('\n').pop() ?? ''}`);
      packed[name] = file;
    }
    if (Object.keys(packed).length > 0) {
      const dependencies = { ...manifest.dependencies };
      const overrides: Record<string, unknown> = { ...manifest.overrides };
      for (const [name, file] of Object.entries(packed)) {
        if (dependencies[name] !== undefined) dependencies[name] = `file:./${file}`;
        else overrides[name] = `file:./${file}`;
      }
      await writeFile(
        manifestFile,
        `${JSON.stringify({ ...manifest, dependencies, ...(Object.keys(overrides).length ? { overrides } : {}) }, null, 2)}\n`,
      );
    }
    return { dir, packed, ...kit, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * Workspace packages `manifest` depends on, directly or through each other: name → folder. A
 * workspace package is one that `root/node_modules/<name>` links to outside any `node_modules`,
 * whose package.json has that name (`isWorkspacePackage` of @mxn/core, the rule the image hash
 * follows too; npm workspaces make these links; a project may also link another checkout's node_modules).
 */
async function workspaceDependencies(manifest: PackageJson, root: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const visit = async (current: PackageJson) => {
    for (const name of Object.keys(current.dependencies ?? {})) {
      if (found.has(name)) continue;
      const linked = await realpath(path.join(root, 'node_modules', name)).catch(() => undefined);
      // core's rule (as for the hash): a link to anything but a package of that name (`/`) is not followed
      if (!linked || !(await isWorkspacePackage(linked, name))) continue;
      found.set(name, linked);
      const nested = await readJson(path.join(linked, 'package.json'));
      if (nested) await visit(nested);
    }
  };
  await visit(manifest);
  return found;
}

function parsePackOutput(stdout: string): string | undefined {
  try {
    const parsed = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename?: string }>;
    return parsed[0]?.filename;
  } catch {
    return undefined;
  }
}

async function readJson(file: string): Promise<PackageJson | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as PackageJson);
}

/** Copies the Python kit into the context when its requirements.txt names it, and drops that line there. */
async function vendorPythonKit(buildDir: string, dir: string, options: PrepareOptions): Promise<string | undefined> {
  const requirementsFile = path.join(dir, 'requirements.txt');
  const text = await readFile(requirementsFile, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const lines = text.split(/(?<=\n)/);
  const kept = lines.filter((line) => !requiresModelKit(line));
  if (kept.length === lines.length) return undefined;
  const kit = options.pythonKit
    ? path.resolve(options.pythonKit)
    : await findPythonKit([options.root, path.dirname(fileURLToPath(import.meta.url))]);
  if (!kit || !(await isDirectory(kit))) {
    const shown = path.relative(options.root, path.join(buildDir, 'requirements.txt'));
    const where = shown.startsWith('..') || path.isAbsolute(shown) ? path.join(buildDir, 'requirements.txt') : shown;
    throw new ImagesError(
      'Pack',
      `${where} names mxn-model-kit, ` +
        `but ${kit ? `${kit} is not a folder` : `no python/mxn_model_kit folder was found above ${options.root}`}`,
      {
        hint:
          'build from a checkout of the mxn repository (its python/mxn_model_kit is copied into the image), ' +
          'or install the kit another way in the Dockerfile',
      },
    );
  }
  await cp(kit, path.join(dir, 'mxn_model_kit'), {
    recursive: true,
    force: true,
    filter: (source) => !/[\\/](__pycache__|[^\\/]*\.py[co])$/.test(source),
  });
  // The kit's own dependencies (its pyproject.toml), unless the model names them already.
  const named = new Set(kept.map(requirementName).filter((name): name is string => name !== undefined));
  const missing = (await kitDependencies(kit)).filter((requirement) => !named.has(requirementName(requirement) ?? ''));
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const last = kept.at(-1);
  if (last !== undefined && !last.endsWith('\n')) kept[kept.length - 1] = `${last}${eol}`;
  const added = missing.length
    ? [`# dependencies of mxn-model-kit (vendored as mxn_model_kit/)${eol}`, ...missing.map((requirement) => `${requirement}${eol}`)]
    : [];
  await writeFile(requirementsFile, [...kept, ...added].join(''));
  return kit;
}

/** The normalised project name a requirement line names (`Scikit_Learn>=1` → `scikit-learn`), if any. */
function requirementName(line: string): string | undefined {
  const match = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line);
  return match ? match[1]!.toLowerCase().replace(/[-_.]+/g, '-') : undefined;
}

/** `[project] dependencies` of the pyproject.toml next to the kit folder (none when absent). */
async function kitDependencies(kit: string): Promise<string[]> {
  const toml = await readFile(path.join(path.dirname(kit), 'pyproject.toml'), 'utf8').catch(() => '');
  const project = /^\[project\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(toml)?.[1] ?? '';
  const list = /^dependencies\s*=\s*\[([\s\S]*?)\]/m.exec(project)?.[1] ?? '';
  return [...list.matchAll(/"([^"]+)"|'([^']+)'/g)].map((match) => (match[1] ?? match[2]!).trim()).filter(Boolean);
}

/** `<folder>/python/mxn_model_kit` in the nearest of the starting folders or their parents that has it. */
export async function findPythonKit(starts: string[]): Promise<string | undefined> {
  for (const start of starts) {
    for (let current = path.resolve(start); ; current = path.dirname(current)) {
      const candidate = path.join(current, 'python', 'mxn_model_kit');
      if (await isDirectory(candidate)) return candidate;
      if (path.dirname(current) === current) break;
    }
  }
  return undefined;
}

async function isDirectory(file: string): Promise<boolean> {
  return stat(file).then(
    (info) => info.isDirectory(),
    () => false,
  );
}
