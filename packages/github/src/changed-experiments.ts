/**
 * Which experiments a pull request touches: files under `experiments/` it changes, and every
 * experiment whose model or aggregate build folder holds a changed file. Experiment files are read
 * with core's bounded reader: at most 1 MiB, a regular file, YAML aliases bounded, and for an
 * untrusted pull request no symlink out of the root (such a file names nothing: no folders, and its
 * file name rather than a `name:` read from outside).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseExperimentText, readExperimentText } from '@mxn/core';

export interface ChangedExperimentsOptions {
  /** Repository root (the checkout). */
  root: string;
  /** Paths changed by the pull request, relative to the root. */
  changedFiles: string[];
  /** Default `experiments`. */
  experimentsDir?: string;
  /** The files come from an untrusted pull request: experiment files that are symlinks out of the root are not read. */
  untrusted?: boolean;
}

/** Where an experiment file is read from: the project root, and whether its files are untrusted. */
interface ExperimentFileOptions {
  root: string;
  untrusted?: boolean;
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
    const folders = await buildFolders(path.join(options.root, file), options);
    if (changed.some((item) => folders.some((folder) => item.startsWith(`${folder}/`)))) found.add(file);
  }
  return [...found].sort();
}

/** The parsed value of experiment file `file`, or `undefined` when it cannot (or may not) be read. */
async function readExperimentValue(file: string, options: ExperimentFileOptions): Promise<unknown> {
  try {
    const text = await readExperimentText(file, options.root, file, options.untrusted === true);
    return parseExperimentText(text, file).raw;
  } catch {
    return undefined;
  }
}

/** Build folders (relative to the root) an experiment file names; an unreadable file names none. */
async function buildFolders(file: string, options: ExperimentFileOptions): Promise<string[]> {
  const doc = (await readExperimentValue(file, options)) as { models?: unknown; aggregate?: { build?: unknown } } | undefined;
  const models = Array.isArray(doc?.models) ? (doc.models as Array<{ build?: unknown } | null>) : [];
  const builds = [...models.map((model) => model?.build), doc?.aggregate?.build].filter(
    (build): build is string => typeof build === 'string',
  );
  const root = options.root;
  return builds.map((build) =>
    path.posix.normalize(path.relative(root, path.resolve(root, build)).replace(/\\/g, '/')).replace(/\/+$/, ''),
  );
}

/** The experiment's name for its comment marker: its `name:` when the YAML says, else the file's base name. */
export async function experimentNameOf(file: string, options: ExperimentFileOptions): Promise<string> {
  const doc = (await readExperimentValue(file, options)) as { name?: unknown } | undefined;
  if (typeof doc?.name === 'string' && doc.name) return doc.name;
  return path.basename(file).replace(/\.ya?ml$/, '');
}
