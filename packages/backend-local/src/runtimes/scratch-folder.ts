/**
 * The process runtime's working folder for one attempt: a copy of the model's build folder (the
 * files its image and its hash take in, honouring `.dockerignore`) in a temporary folder, so nothing
 * a model writes (`__pycache__/`, a saved `model.pkl`) reaches the source tree or its key. Files are
 * cloned where the filesystem can (copy-on-write), else copied. Node still finds the packages it
 * would find from the build folder: the copy's `node_modules` links to them (`packagesFolder`).
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { runPool } from '@mxn/async';
import { buildContextFiles } from '@mxn/core';

export interface ScratchFolder {
  dir: string;
  remove(): Promise<void>;
}

/**
 * `packages`: the folder the copy's `node_modules` links to (from `packagesFolder`), or undefined
 * when the build folder has none above it.
 */
export async function makeScratchFolder(buildDir: string, parent: string, label: string, packages?: string): Promise<ScratchFolder> {
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(path.join(parent, `mxn-scratch-${label.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 40)}-`));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const files = await buildContextFiles(buildDir);
    const folders = new Set(files.map((file) => path.posix.dirname(file)).filter((folder) => folder !== '.'));
    for (const folder of [...folders].sort()) await mkdir(path.join(dir, ...folder.split('/')), { recursive: true });
    await runPool(files, 16, (file) => copyFile(path.join(buildDir, file), path.join(dir, ...file.split('/')), constants.COPYFILE_FICLONE));
    if (packages) await symlink(packages, path.join(dir, 'node_modules'), 'dir');
    return { dir, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * The `node_modules` folder a scratch copy of `buildDir` links to, so Node finds what it would find
 * from the build folder: the one `node_modules` above it when there is just one (the usual case in
 * a workspace), else a folder made once in `parent` that links every package of each of them, the
 * nearest first, as Node's lookup goes. `dispose` removes what was made.
 */
export async function packagesFolder(buildDir: string, parent: string): Promise<{ dir?: string; dispose(): Promise<void> }> {
  const levels: string[] = [];
  for (let current = path.resolve(buildDir); ; current = path.dirname(current)) {
    const modules = path.join(current, 'node_modules');
    if ((await readdir(modules).catch(() => undefined)) !== undefined) levels.push(modules);
    if (path.dirname(current) === current) break;
  }
  if (levels.length <= 1) return { ...(levels[0] ? { dir: levels[0] } : {}), dispose: async () => {} };
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(path.join(parent, 'mxn-packages-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  await linkPackages(levels, dir).catch(async (error: unknown) => {
    await dispose();
    throw error;
  });
  return { dir, dispose };
}

/** Links into `target` every package of the `node_modules` folders `levels`, the first one that has a package winning. */
async function linkPackages(levels: string[], target: string): Promise<void> {
  const links = new Map<string, string>();
  for (const modules of levels) {
    for (const entry of await readdir(modules, { withFileTypes: true }).catch(() => [])) {
      if (entry.name.startsWith('.')) continue;
      if (!entry.name.startsWith('@')) {
        if (!links.has(entry.name)) links.set(entry.name, path.join(modules, entry.name));
        continue;
      }
      for (const scoped of await readdir(path.join(modules, entry.name)).catch(() => [])) {
        const name = `${entry.name}/${scoped}`;
        if (!links.has(name)) links.set(name, path.join(modules, name));
      }
    }
  }
  for (const scope of new Set([...links.keys()].filter((name) => name.includes('/')).map((name) => name.split('/')[0]!)))
    await mkdir(path.join(target, scope), { recursive: true });
  await mkdir(target, { recursive: true });
  await runPool([...links], 32, ([name, source]) => symlink(source, path.join(target, ...name.split('/')), 'dir'));
}
