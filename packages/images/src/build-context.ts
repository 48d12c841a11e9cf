/**
 * A build context ready for `docker buildx build`: a temporary copy of the model folder in which
 * workspace packages it depends on (e.g. `@mxn/model-kit`, not published to npm) are packed as
 * tarballs next to `package.json`, and `package.json` points at them (`file:./<name>.tgz`, with
 * `overrides` for their own workspace dependencies). The Dockerfile must copy them before
 * `npm install`: `COPY package.json *.tgz ./`.
 */
import { cp, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnCommand, type CommandRunner } from './command-runner.js';
import { ImagesError } from './errors.js';

export interface PreparedContext {
  dir: string;
  /** Workspace packages packed into the context: name → tarball file name. */
  packed: Record<string, string>;
  cleanup(): Promise<void>;
}

export interface PrepareOptions {
  /** Project root whose node_modules links the workspace packages. */
  root: string;
  /** Default: spawns the real command. */
  run?: CommandRunner;
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
    await cp(buildDir, dir, { recursive: true, filter: (source) => !/[\\/](node_modules|\.git)$/.test(source) });
    const manifestFile = path.join(dir, 'package.json');
    const manifest = await readJson(manifestFile);
    if (!manifest) return { dir, packed: {}, cleanup };
    const workspaces = await workspaceDependencies(manifest, options.root);
    const packed: Record<string, string> = {};
    for (const [name, packageDir] of workspaces) {
      const result = await run('npm', ['pack', packageDir, '--pack-destination', dir, '--json', '--silent'], { cwd: options.root });
      const file = result.code === 0 ? parsePackOutput(result.stdout) : undefined;
      if (!file) throw new ImagesError('Pack', `npm pack of ${name} failed (exit ${result.code}): ${result.stderr.trim().split('\n').pop() ?? ''}`);
      packed[name] = file;
    }
    if (Object.keys(packed).length > 0) {
      const dependencies = { ...manifest.dependencies };
      const overrides: Record<string, unknown> = { ...manifest.overrides };
      for (const [name, file] of Object.entries(packed)) {
        if (dependencies[name] !== undefined) dependencies[name] = `file:./${file}`;
        else overrides[name] = `file:./${file}`;
      }
      await writeFile(manifestFile, `${JSON.stringify({ ...manifest, dependencies, ...(Object.keys(overrides).length ? { overrides } : {}) }, null, 2)}\n`);
    }
    return { dir, packed, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Workspace packages `manifest` depends on, directly or through each other: name → folder. */
async function workspaceDependencies(manifest: PackageJson, root: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const realRoot = await realpath(root);
  const visit = async (current: PackageJson) => {
    for (const name of Object.keys(current.dependencies ?? {})) {
      if (found.has(name)) continue;
      const linked = await realpath(path.join(root, 'node_modules', name)).catch(() => undefined);
      if (!linked || !linked.startsWith(`${realRoot}${path.sep}`) || linked.split(path.sep).includes('node_modules')) continue;
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
