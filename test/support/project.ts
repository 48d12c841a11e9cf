/**
 * A throwaway project for end-to-end tests: its own experiments/, .mxn/ and results/, with the
 * repository's models/ and node_modules/ linked in and its data/ copied, so runs never touch the repo's cache.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExperimentResults } from '@mxn/core';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const mxnBin = path.join(repoRoot, 'packages/cli/dist/bin.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A CLI result as an assertion message: its exit code, stdout and stderr. */
export const cliOutput = (result: CliResult) => `exit ${result.code}\n-- stdout\n${result.stdout}\n-- stderr\n${result.stderr}`;

export interface E2eProject {
  root: string;
  /** Writes experiments/<name>.yaml and returns its path. */
  experiment(name: string, text: string): Promise<string>;
  /** Runs the mxn CLI in the project folder, as a user would. */
  mxn(args: string[], options?: { env?: NodeJS.ProcessEnv; onSpawn?: (pid: number) => void }): Promise<CliResult>;
  results(name: string): Promise<ExperimentResults>;
  /** Writes models/<name>/ with `train.js` and a Dockerfile that runs it; returns the folder. */
  model(name: string, trainJs: string): Promise<string>;
  file(relative: string): string;
}

export async function e2eProject(links: string[] = ['models', 'data', 'node_modules']): Promise<E2eProject> {
  const root = await mkdtemp(path.join(tmpdir(), 'mxn-e2e-'));
  for (const link of links) {
    // The data is copied (a few hundred KB): an untrusted run refuses a dataset path through a symlink out of the project.
    if (link === 'data') await cp(path.join(repoRoot, 'data'), path.join(root, 'data'), { recursive: true });
    else if (link !== 'models') await symlink(path.join(repoRoot, link), path.join(root, link));
    else {
      // A folder of the project's own that links each of the repository's models: the models a test writes stay in the project.
      await mkdir(path.join(root, 'models'));
      for (const model of await readdir(path.join(repoRoot, 'models'), { withFileTypes: true })) {
        if (model.isDirectory()) await symlink(path.join(repoRoot, 'models', model.name), path.join(root, 'models', model.name));
      }
    }
  }
  await writeFile(path.join(root, 'package.json'), '{ "private": true }\n');
  await mkdir(path.join(root, 'experiments'));
  return {
    root,
    async experiment(name, text) {
      const file = path.join(root, 'experiments', `${name}.yaml`);
      await writeFile(file, text);
      return file;
    },
    mxn: (args, options = {}) => runCli(args, root, options),
    async results(name) {
      return JSON.parse(await readFile(path.join(root, 'results', name, 'results.json'), 'utf8')) as ExperimentResults;
    },
    async model(name, trainJs) {
      const dir = path.join(root, 'models', name);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'train.js'), trainJs);
      await writeFile(path.join(dir, 'Dockerfile'), 'FROM node:20-slim\nWORKDIR /model\nCOPY . .\nCMD ["node", "train.js"]\n');
      return dir;
    },
    file: (relative) => path.join(root, relative),
  };
}

export function runCli(
  args: string[],
  cwd: string,
  options: { env?: NodeJS.ProcessEnv; onSpawn?: (pid: number) => void } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mxnBin, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    if (child.pid) options.onSpawn?.(child.pid);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
