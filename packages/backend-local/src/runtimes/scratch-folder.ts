/**
 * The process runtime's working folder for one attempt: a copy of the model's build folder (the
 * files its image and its hash take in, honouring `.dockerignore`) under the project's `.mxn/`, so
 * nothing a model writes (`__pycache__/`, a saved `model.pkl`) reaches the source tree or its key.
 * Files are cloned where the filesystem can (copy-on-write), else copied; `node_modules` is linked,
 * not copied, and the folder sits under the project root so Node finds the workspace's packages.
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { runPool } from '@mxn/async';
import { buildContextFiles } from '@mxn/core';

export interface ScratchFolder {
  dir: string;
  remove(): Promise<void>;
}

export async function makeScratchFolder(buildDir: string, parent: string, label: string): Promise<ScratchFolder> {
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(path.join(parent, `${label.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 40)}-`));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const files = await buildContextFiles(buildDir);
    const folders = new Set(files.map((file) => path.posix.dirname(file)).filter((folder) => folder !== '.'));
    for (const folder of [...folders].sort()) await mkdir(path.join(dir, ...folder.split('/')), { recursive: true });
    await runPool(files, 16, (file) => copyFile(path.join(buildDir, file), path.join(dir, ...file.split('/')), constants.COPYFILE_FICLONE));
    const modules = path.join(buildDir, 'node_modules');
    if ((await stat(modules).catch(() => undefined))?.isDirectory()) await symlink(modules, path.join(dir, 'node_modules'), 'dir');
    return { dir, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
