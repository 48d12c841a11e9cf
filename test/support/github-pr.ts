/**
 * A pull request as GitHub plays it, for the end-to-end tests of the GitHub loop: a local bare
 * `origin` with the models on `main`, a work tree on branch `exp` that adds an experiment, and the
 * bundled actions spawned as GitHub runs them (INPUT_* variables, a recorded pull_request payload,
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, GITHUB_API_URL pointing at the loopback GitHub fake).
 * `runJobs` plays the experiment workflow's jobs in order: plan → run (no GitHub token) → publish
 * (from the run's artifact), with the workflow's gates; `repo.event` says which event and author.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commentMarker } from '@mxn/github';
import type { GitHubFake } from '@mxn/testkit';
import { repoRoot } from './project.js';

export const REPO = 'acme/pricing';
export const PR = 7;
/** The branch the pull request comes from. */
export const BRANCH = 'exp';
/** Where a fork's head branch lives, when `repo.event.fork` is set. */
export const FORK = 'fork-owner/pricing';
/** The default pull request author: a collaborator with write access on `REPO` (the plan step checks). */
export const PR_AUTHOR = 'pr-author';

export interface ActionRun {
  code: number | null;
  /** stdout and stderr together. */
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/** The event the actions see: `pull_request` by an owner unless a test says otherwise (`runJobs` with `dispatch` sets it). */
export interface PrEvent {
  name: 'pull_request' | 'pull_request_target' | 'workflow_dispatch';
  /** The activity type: `opened`, `synchronize`, `labeled`, … */
  action: string;
  /** The label a `labeled` event added (`mxn:run` approves). */
  label?: string;
  /** `author_association` of the pull request: `OWNER`, `MEMBER`, `COLLABORATOR` are trusted. */
  authorAssociation: string;
  /** The head branch lives in a fork (`fork-owner/pricing`). */
  fork?: boolean;
  /** The pull request's author (`user.login`); default `PR_AUTHOR`, whom the fake gives write access. */
  author?: string;
  /** `workflow_dispatch`: the inputs in its payload. */
  inputs?: Record<string, string>;
}

export interface PrRepo {
  /** The event of the next action spawned; tests change it in place. */
  event: PrEvent;
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
  // the data is copied: a dataset path through a symlink out of the project is refused
  await cp(path.join(repoRoot, 'data'), path.join(work, 'data'), { recursive: true });
  await symlink(path.join(repoRoot, 'node_modules'), path.join(work, 'node_modules'));
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
  const prEvent: PrEvent = { name: 'pull_request', action: 'synchronize', authorAssociation: 'OWNER' };
  options.github.setPermission(REPO, PR_AUTHOR, 'write');

  async function action(
    name: string,
    inputs: Record<string, string>,
    extraEnv: NodeJS.ProcessEnv = {},
    onSpawn?: (child: ChildProcess) => void,
  ): Promise<ActionRun> {
    const event = path.join(dir, 'event.json');
    const sha = git(work, 'rev-parse', 'HEAD');
    const labels = prEvent.label ? [{ name: prEvent.label }] : [];
    const dispatched = prEvent.name === 'workflow_dispatch';
    await writeFile(
      event,
      JSON.stringify(
        dispatched
          ? // started by hand on the PR branch: no pull request in the payload
            { inputs: prEvent.inputs ?? {}, ref: `refs/heads/${BRANCH}`, repository: { full_name: REPO, default_branch: 'main' } }
          : {
              action: prEvent.action,
              number: PR,
              ...(prEvent.label ? { label: { name: prEvent.label } } : {}),
              pull_request: {
                number: PR,
                author_association: prEvent.authorAssociation,
                user: { login: prEvent.author ?? PR_AUTHOR },
                labels,
                head: { ref: BRANCH, sha, repo: { full_name: prEvent.fork ? FORK : REPO } },
                base: { ref: 'main', repo: { full_name: REPO } },
              },
              repository: { full_name: REPO, default_branch: 'main' },
            },
      ),
    );
    const output = path.join(dir, `${name}-output.txt`);
    const summary = path.join(dir, `${name}-summary.md`);
    await writeFile(output, '');
    await writeFile(summary, '');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: prEvent.name,
      GITHUB_EVENT_PATH: event,
      GITHUB_REPOSITORY: REPO,
      GITHUB_API_URL: github.url,
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_RUN_ID: '4242',
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_WORKSPACE: work,
      ...(dispatched ? { GITHUB_REF_NAME: BRANCH } : {}),
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
    event: prEvent,
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

export interface JobsOptions {
  /** The workflow's `github.token`: given to plan and publish, never to the run job. */
  token: string;
  /** The jobs' environment (MXN_STAGING, emulators, …). */
  env?: NodeJS.ProcessEnv;
  rerun?: 'none' | 'failed' | 'all';
  /** Registry for the run job's build-images step (the workflow runs it when MXN_REGISTRY is set). */
  registry?: string;
  /** What the publish job links as the full report. */
  reportUrl?: string;
  /**
   * Plays a `workflow_dispatch` on the PR branch instead of `repo.event`: the plan and run steps get the
   * workflow's inputs (`backend` as the choice gives it, default `experiment`).
   */
  dispatch?: { experiment: string; backend?: string };
  /** Called between the plan job and the run job (e.g. to push an image the workflow's buildx would build). */
  afterPlan?: (plan: ActionRun) => Promise<unknown> | undefined;
}

export interface ExperimentJobs {
  experiment: string;
  /** The run job's build-images step, when `registry` is given. */
  images?: ActionRun;
  run: ActionRun;
  /** The uploaded artifact: the run's results folder, as the publish job downloads it. */
  artifact: string;
  /** The publish job; none when the run left no results folder (the workflow's download would fail). */
  publish?: ActionRun;
}

export interface JobsRun {
  plan: ActionRun;
  /** Why the run job did not start (the workflow's gate), if it did not. */
  skipped?: string;
  experiments: ExperimentJobs[];
}

/**
 * Plays the experiment workflow for `repo.event`: the plan job (with the token); then, when the
 * workflow's gate lets it (an untrusted pull request only on the `mxn:run` label's event, with the
 * plan's `approved-sha` equal to the head), per experiment the run job with no GitHub token at all
 * (it checks that the run made no GitHub request), its results folder copied out as the artifact
 * and removed from the checkout, and the publish job reporting from that artifact.
 */
export async function runJobs(repo: PrRepo, github: GitHubFake, options: JobsOptions): Promise<JobsRun> {
  const env = options.env ?? {};
  const rerun = options.rerun ?? 'none';
  const dispatched = options.dispatch
    ? { experiment: options.dispatch.experiment, backend: options.dispatch.backend ?? 'experiment', rerun }
    : undefined;
  if (dispatched) Object.assign(repo.event, { name: 'workflow_dispatch', action: '', inputs: dispatched });
  // the workflow's `with:` for plan and run: `inputs.backend` (empty on a pull request's event)
  const backend: Record<string, string> = dispatched ? { backend: dispatched.backend } : {};
  const plan = await repo.action(
    'plan',
    { token: options.token, rerun, ...(dispatched ? { experiments: dispatched.experiment } : {}), ...backend },
    env,
  );
  const experiments: ExperimentJobs[] = [];
  const files = plan.code === 0 || plan.outputs.experiments ? (JSON.parse(plan.outputs.experiments || '[]') as string[]) : [];
  const head = repo.git(repo.work, 'rev-parse', 'HEAD');
  const approvedSha = plan.outputs['approved-sha'] ?? '';
  const { name, action, label } = repo.event;
  const skipped = !files.length
    ? 'no runnable experiment'
    : name !== 'pull_request_target' && plan.outputs.trusted !== 'true'
      ? `the author has no write access (trusted: ${plan.outputs.trusted ?? 'none'})`
      : name === 'pull_request_target' && !(action === 'labeled' && label === 'mxn:run' && approvedSha === head)
        ? `untrusted pull request not approved for ${head.slice(0, 12)} (approved-sha: ${approvedSha || 'none'})`
        : undefined;
  if (skipped) return { plan, skipped, experiments };
  await options.afterPlan?.(plan);
  for (const [index, experiment] of files.entries()) {
    const before = github.requests.length;
    const images = options.registry
      ? await repo.action('build-images', { experiments: experiment, registry: options.registry }, env)
      : undefined;
    const noToken = { ...env, GITHUB_TOKEN: '', INPUT_TOKEN: '' };
    const run = await repo.action(
      'run',
      {
        experiment,
        rerun,
        ...backend,
        'approved-sha': approvedSha,
        ...(images?.outputs.images ? { images: images.outputs.images } : {}),
      },
      noToken,
    );
    if (github.requests.length !== before)
      throw new Error(`the run job called GitHub (${github.requests.slice(before).map((item) => `${item.method} ${item.path}`)})`);
    const artifact = path.join(repo.dir, `mxn-results-${index}-${Date.now()}`);
    if (!run.outputs.dir) {
      experiments.push({ experiment, ...(images ? { images } : {}), run, artifact });
      continue;
    }
    // the workflow uploads these three files; the publish job's checkout has no run output, only the artifact
    const dir = path.resolve(repo.work, run.outputs.dir);
    await mkdir(artifact);
    for (const file of ['results.json', 'summary.md', 'report.html']) {
      await cp(path.join(dir, file), path.join(artifact, file));
      await rm(path.join(dir, file));
    }
    const publish = await repo.action(
      'report',
      {
        'results-dir': artifact,
        token: options.token,
        commit: String(name !== 'pull_request_target'),
        ...(options.reportUrl ? { 'report-url': options.reportUrl } : {}),
      },
      env,
    );
    experiments.push({ experiment, ...(images ? { images } : {}), run, artifact, publish });
  }
  return { plan, experiments };
}
