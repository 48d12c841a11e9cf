/**
 * A pull request as GitHub plays it, for the end-to-end tests of the GitHub loop: a local bare
 * `origin` with the models on `main`, a work tree on branch `exp` that adds an experiment, and the
 * bundled actions spawned as GitHub runs them (INPUT_* variables, a recorded pull_request payload,
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, GITHUB_API_URL pointing at the loopback GitHub fake).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commentMarker } from '@mxn/github';
import type { GitHubFake } from '@mxn/testkit';
import { repoRoot } from './project.js';

export const REPO = 'acme/pricing';
export const PR = 7;
/** The branch the pull request comes from. */
export const BRANCH = 'exp';

export interface ActionRun {
  code: number | null;
  /** stdout and stderr together. */
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

export interface PrRepo {
  /** Temp folder holding origin.git, the work tree and the action files. */
  dir: string;
  /** The bare repository standing in for GitHub's. */
  origin: string;
  /** The runner's checkout of the PR branch. */
  work: string;
  /** Runs git in `cwd` as a developer. */
  git(cwd: string, ...args: string[]): string;
  /** Spawns `actions/<name>/dist/index.js` in the work tree, as GitHub runs it. */
  action(
    name: string,
    inputs: Record<string, string>,
    env?: NodeJS.ProcessEnv,
    onSpawn?: (child: ChildProcess) => void,
  ): Promise<ActionRun>;
  /** The sticky comments of `experiment` on the PR. */
  mxnComments(experiment: string): Array<{ id: number; body: string }>;
  /** A JSON file committed on the PR branch of origin. */
  showJson<T>(file: string): T;
}

export interface PrRepoOptions {
  github: GitHubFake;
  /** Experiment file name (without .yaml) and its text, added on the PR branch. */
  experiment: { name: string; text: string };
  /** Model folders copied from the repo's models/ onto main. Default ridge and knn. */
  models?: string[];
}

export const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'dev',
      GIT_AUTHOR_EMAIL: 'dev@example.com',
      GIT_COMMITTER_NAME: 'dev',
      GIT_COMMITTER_EMAIL: 'dev@example.com',
    },
  }).trim();

/** Bundles the actions (as the workflow's `npm run build:actions` does). */
export function buildActions(): void {
  execFileSync(process.execPath, [path.join(repoRoot, 'actions/build.mjs')], { stdio: 'ignore' });
}

/** Creates origin (main: the models) and the work tree on the PR branch (adds the experiment), pushed. */
export async function createPrRepo(options: PrRepoOptions): Promise<PrRepo> {
  const { github } = options;
  const dir = await mkdtemp(path.join(tmpdir(), 'mxn-pr-'));
  const origin = path.join(dir, 'origin.git');
  const work = path.join(dir, 'work');
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
  await mkdir(work);
  git(work, 'init', '--quiet', '--initial-branch=main');
  git(work, 'remote', 'add', 'origin', origin);
  for (const link of ['data', 'node_modules']) await symlink(path.join(repoRoot, link), path.join(work, link));
  for (const model of options.models ?? ['ridge', 'knn'])
    await cp(path.join(repoRoot, 'models', model), path.join(work, 'models', model), { recursive: true });
  await writeFile(path.join(work, 'package.json'), '{ "private": true }\n');
  await writeFile(path.join(work, '.gitignore'), 'node_modules\ndata\n.mxn\nresults/*/report.html\n');
  git(work, 'add', '.');
  git(work, 'commit', '--quiet', '-m', 'models');
  git(work, 'push', '--quiet', 'origin', 'main');
  git(work, 'checkout', '--quiet', '-b', BRANCH);
  await mkdir(path.join(work, 'experiments'));
  await writeFile(path.join(work, 'experiments', `${options.experiment.name}.yaml`), options.experiment.text);
  git(work, 'add', '.');
  git(work, 'commit', '--quiet', '-m', `Add the ${options.experiment.name} experiment`);
  git(work, 'push', '--quiet', 'origin', BRANCH);

  async function action(
    name: string,
    inputs: Record<string, string>,
    extraEnv: NodeJS.ProcessEnv = {},
    onSpawn?: (child: ChildProcess) => void,
  ): Promise<ActionRun> {
    const event = path.join(dir, 'event.json');
    const sha = git(work, 'rev-parse', 'HEAD');
    await writeFile(
      event,
      JSON.stringify({
        action: 'synchronize',
        number: PR,
        pull_request: {
          number: PR,
          head: { ref: BRANCH, sha, repo: { full_name: REPO } },
          base: { ref: 'main', repo: { full_name: REPO } },
        },
        repository: { full_name: REPO },
      }),
    );
    const output = path.join(dir, `${name}-output.txt`);
    const summary = path.join(dir, `${name}-summary.md`);
    await writeFile(output, '');
    await writeFile(summary, '');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_REPOSITORY: REPO,
      GITHUB_API_URL: github.url,
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_RUN_ID: '4242',
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_WORKSPACE: work,
      // the runtime the test run chose for this machine (a workflow would set it as a repository variable)
      ...(process.env.MXN_RUNTIME ? { MXN_RUNTIME: process.env.MXN_RUNTIME } : {}),
      ...extraEnv,
      ...Object.fromEntries(Object.entries(inputs).map(([key, value]) => [`INPUT_${key.toUpperCase()}`, value])),
    };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'actions', name, 'dist/index.js')], {
        cwd: work,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.on('error', reject);
      onSpawn?.(child);
      child.on('close', (code) => {
        Promise.all([readFile(output, 'utf8'), readFile(summary, 'utf8')]).then(
          ([out, sum]) => resolve({ code, stdout, outputs: parseOutputs(out), summary: sum }),
          reject,
        );
      });
    });
  }

  return {
    dir,
    origin,
    work,
    git,
    action,
    mxnComments: (experiment) => github.comments(REPO, PR).filter((comment) => comment.body.startsWith(commentMarker(experiment))),
    showJson: <T>(file: string) => JSON.parse(git(origin, 'show', `${BRANCH}:${file}`)) as T,
  };
}

/** A second push on the PR branch: knn weights its neighbours by distance (its build context, so its image tag, changes). */
export async function pushKnnChange(repo: PrRepo): Promise<void> {
  repo.git(repo.work, 'pull', '--quiet', 'origin', BRANCH);
  const train = path.join(repo.work, 'models/knn/train.js');
  const before = await readFile(train, 'utf8');
  const after = before.replace("params.weights ?? 'uniform'", "params.weights ?? 'distance'");
  if (after === before) throw new Error('test support: models/knn/train.js no longer has the line this change edits');
  await writeFile(train, after);
  repo.git(repo.work, 'commit', '--quiet', '-am', 'knn: weight neighbours by distance');
  repo.git(repo.work, 'push', '--quiet', 'origin', BRANCH);
}

/** Parses the `name<<delimiter … delimiter` blocks @actions/core writes to GITHUB_OUTPUT. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const pattern = /^(.+?)<<(.+)\n([\s\S]*?)\n\2$/gm;
  for (const match of text.matchAll(pattern)) outputs[match[1]!] = match[3]!;
  return outputs;
}
