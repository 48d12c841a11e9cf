/**
 * Which experiments a pull request touches: files under `experiments/` it changes, and every
 * experiment whose model or aggregate build folder holds a changed file.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';

export interface ChangedExperimentsOptions {
  /** Repository root (the checkout). */
  root: string;
  /** Paths changed by the pull request, relative to the root. */
  changedFiles: string[];
  /** Default `experiments`. */
  experimentsDir?: string;
}

const isExperimentFile = (file: string) => /\.ya?ml$/.test(file);

/** Experiment files (relative to the root, sorted) that the changed files concern; deleted experiment files are left out. */
export async function changedExperiments(options: ChangedExperimentsOptions): Promise<string[]> {
  const dir = options.experimentsDir ?? 'experiments';
  const changed = options.changedFiles.map((file) => path.posix.normalize(file.replace(/\\/g, '/')));
  const all = (await readdir(path.join(options.root, dir)).catch(() => [] as string[]))
    .filter(isExperimentFile)
    .map((name) => `${dir}/${name}`);
  const found = new Set(all.filter((file) => changed.includes(file)));
  for (const file of all) {
    if (found.has(file)) continue;
    const folders = await buildFolders(path.join(options.root, file), options.root);
    if (changed.some((item) => folders.some((folder) => item.startsWith(`${folder}/`)))) found.add(file);
  }
  return [...found].sort();
}

/** Build folders (relative to the root) an experiment file names; an unreadable file names none. */
async function buildFolders(file: string, root: string): Promise<string[]> {
  try {
    const doc = parse(await readFile(file, 'utf8')) as { models?: Array<{ build?: unknown }>; aggregate?: { build?: unknown } } | null;
    const builds = [...(doc?.models ?? []).map((model) => model?.build), doc?.aggregate?.build].filter(
      (build): build is string => typeof build === 'string',
    );
    return builds.map((build) =>
      path.posix.normalize(path.relative(root, path.resolve(root, build)).replace(/\\/g, '/')).replace(/\/+$/, ''),
    );
  } catch {
    return [];
  }
}

/** The experiment's name for its comment marker: its `name:` when the YAML says, else the file's base name. */
export async function experimentNameOf(file: string): Promise<string> {
  try {
    const doc = parse(await readFile(file, 'utf8')) as { name?: unknown } | null;
    if (typeof doc?.name === 'string' && doc.name) return doc.name;
  } catch {
    // fall back to the file name
  }
  return path.basename(file).replace(/\.ya?ml$/, '');
}
