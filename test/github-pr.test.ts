// A whole pull request, as GitHub runs it: the bundled actions are spawned with INPUT_* variables,
// a recorded pull_request payload, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files and GITHUB_API_URL
// pointing at the loopback GitHub fake; results are committed to a local bare repository, and
// model images are looked up in a real registry (docker-registry) seeded with their tags.
import { execFileSync, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clearBuildContextHashes, hashBuildContext } from '@mxn/core';
import { pushTestImage, registryAvailable, startGitHubFake, startRegistry, type GitHubFake, type RegistryHandle } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './support/project.js';

const REPO = 'acme/pricing';
const PR = 7;

const experiment = `name: pr-demo
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: busan, train: data/housing/busan.parquet }
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: ridge, build: models/ridge, command: [node, train.js], params: { alpha: 1 } }
  - { name: knn, build: models/knn, command: [node, train.js], params: { k: 10 } }
evaluation:
  target: price
  metrics: [rmse, r2]
compute: { concurrency: 2, retries: 0, timeout: 2m }
`;

interface ActionRun {
  code: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'dev', GIT_COMMITTER_EMAIL: 'dev@example.com' } }).trim();

describe('the GitHub loop on a pull request', () => {
  let github: GitHubFake;
  let registry: RegistryHandle | undefined;
  let dir: string;
  let work: string;
  let origin: string;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(repoRoot, 'actions/build.mjs')], { stdio: 'ignore' });
    github = await startGitHubFake({ token: 'pr-token', repos: [REPO] });
    if (registryAvailable()) registry = await startRegistry();
    dir = await mkdtemp(path.join(tmpdir(), 'mxn-pr-'));
    origin = path.join(dir, 'origin.git');
    work = path.join(dir, 'work');
    git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
    await mkdir(work);
    git(work, 'init', '--quiet', '--initial-branch=main');
    git(work, 'remote', 'add', 'origin', origin);
    for (const link of ['data', 'node_modules']) await symlink(path.join(repoRoot, link), path.join(work, link));
    for (const model of ['ridge', 'knn']) await cp(path.join(repoRoot, 'models', model), path.join(work, 'models', model), { recursive: true });
    await writeFile(path.join(work, 'package.json'), '{ "private": true }\n');
    await writeFile(path.join(work, '.gitignore'), 'node_modules\ndata\n.mxn\nresults/*/report.html\n');
    git(work, 'add', '.');
    git(work, 'commit', '--quiet', '-m', 'models');
    git(work, 'push', '--quiet', 'origin', 'main');
    git(work, 'checkout', '--quiet', '-b', 'exp');
    await mkdir(path.join(work, 'experiments'));
    await writeFile(path.join(work, 'experiments/pr-demo.yaml'), experiment);
    git(work, 'add', '.');
    git(work, 'commit', '--quiet', '-m', 'Add the pr-demo experiment');
    git(work, 'push', '--quiet', 'origin', 'exp');
  });

  afterAll(async () => {
    await github?.stop();
    await registry?.stop();
  });

  async function action(name: string, inputs: Record<string, string>): Promise<ActionRun> {
    const event = path.join(dir, 'event.json');
    const sha = git(work, 'rev-parse', 'HEAD');
    await writeFile(event, JSON.stringify({ action: 'synchronize', number: PR, pull_request: { number: PR, head: { ref: 'exp', sha, repo: { full_name: REPO } }, base: { ref: 'main', repo: { full_name: REPO } } }, repository: { full_name: REPO } }));
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
      ...(registry ? { MXN_REGISTRY: registry.host } : {}),
      ...Object.fromEntries(Object.entries(inputs).map(([key, value]) => [`INPUT_${key.toUpperCase()}`, value])),
    };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'actions', name, 'dist/index.js')], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.on('error', reject);
      child.on('close', async (code) => resolve({ code, stdout, outputs: parseOutputs(await readFile(output, 'utf8')), summary: await readFile(summary, 'utf8') }));
    });
  }

  const mxnComments = () => github.comments(REPO, PR).filter((comment) => comment.body.startsWith('<!-- mxn:pr-demo -->'));

  it('plans, runs, comments and commits; a second push reruns only the changed model', { timeout: 60_000 }, async () => {
    github.addComment(REPO, PR, 'Looks good, run it please.', 'reviewer');
    github.setPullFiles(REPO, PR, ['experiments/pr-demo.yaml']);
    if (registry) {
      for (const model of ['ridge', 'knn']) await pushTestImage(registry.url, model, (await hashBuildContext(path.join(work, 'models', model))).slice(0, 12));
    }

    // 1. plan: the sticky comment shows the 2 × 3 matrix, all to run.
    const plan = await action('plan', { token: 'pr-token', rerun: 'none' });
    expect(plan.code, plan.stdout).toBe(0);
    expect(JSON.parse(plan.outputs.experiments!)).toEqual(['experiments/pr-demo.yaml']);
    expect(mxnComments()).toHaveLength(1);
    const planBody = mxnComments()[0]!.body;
    expect(planBody).toContain('**2 × 3 = 6 cells**');
    expect(planBody).toMatch(/\| ridge \| ▶ run \| ▶ run \| ▶ run \|/);
    if (registry) expect(planBody).toContain('0 to build, 2 already in the registry');
    const commentId = mxnComments()[0]!.id;

    // 2. run on the local backend, with progress in the same comment.
    const run = await action('run', { experiment: 'experiments/pr-demo.yaml', token: 'pr-token', 'progress-interval': '0', rerun: 'none' });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/knn@daegu: succeeded/);
    const patches = github.requests.filter((request) => request.method === 'PATCH').map((request) => (request.body as { body: string }).body);
    expect(patches.some((body) => body.includes('· running') && body.includes('cells done on `local`'))).toBe(true);

    // 3. report: tables in the comment and the job summary, results committed with [skip ci].
    const report = await action('report', { experiment: 'pr-demo', token: 'pr-token', commit: 'true', 'report-url': 'https://github.example/acme/pricing/actions/runs/4242/artifacts/1' });
    expect(report.code, report.stdout).toBe(0);
    expect(mxnComments().map((comment) => comment.id)).toEqual([commentId]);
    const results = mxnComments()[0]!.body;
    expect(results).toContain('### rmse (lower is better)');
    expect(results).toMatch(/\| ridge \| .*\| .*\| .*\|/);
    expect(results).toContain('★');
    expect(results).toContain('[Full report](https://github.example/acme/pricing/actions/runs/4242/artifacts/1)');
    expect(report.summary).toContain('### r2 (higher is better)');
    expect(github.comments(REPO, PR).find((comment) => comment.user.login === 'reviewer')?.body).toBe('Looks good, run it please.');
    const log = git(origin, 'log', '-1', '--format=%an%n%s', 'exp').split('\n');
    expect(log[0]).toBe('github-actions[bot]');
    expect(log[1]).toMatch(/^mxn: results of pr-demo \(6 succeeded, 0 cached, 0 failed\) \[skip ci\]$/);
    expect(git(origin, 'ls-tree', '-r', '--name-only', 'exp', 'results')).toBe('results/pr-demo/results.json\nresults/pr-demo/summary.md');
    expect(report.outputs.commit).toBe(git(origin, 'rev-parse', 'exp'));
    const first = JSON.parse(git(origin, 'show', 'exp:results/pr-demo/results.json')) as { cells: Array<{ id: string; metrics: Record<string, number> }> };

    // 4. a second push changes knn only: its three cells rerun, ridge's come from the cache.
    git(work, 'pull', '--quiet', 'origin', 'exp');
    const train = path.join(work, 'models/knn/train.js');
    await writeFile(train, (await readFile(train, 'utf8')).replace("params.weights ?? 'uniform'", "params.weights ?? 'distance'"));
    git(work, 'commit', '--quiet', '-am', 'knn: weight neighbours by distance');
    git(work, 'push', '--quiet', 'origin', 'exp');
    clearBuildContextHashes();
    github.setPullFiles(REPO, PR, ['experiments/pr-demo.yaml', 'models/knn/train.js']);
    const replan = await action('plan', { token: 'pr-token', rerun: 'none' });
    expect(replan.code, replan.stdout).toBe(0);
    const replanBody = mxnComments()[0]!.body;
    expect(replanBody).toContain('3 to run, 3 cached');
    expect(replanBody).toMatch(/\| ridge \| ✓ cached \| ✓ cached \| ✓ cached \|/);
    expect(replanBody).toMatch(/\| knn \| ▶ run \| ▶ run \| ▶ run \|/);
    if (registry) expect(replanBody).toMatch(/1 to build, 1 already in the registry[\s\S]*knn:[0-9a-f]{12}` — to build/);

    const rerun = await action('run', { experiment: 'experiments/pr-demo.yaml', token: 'pr-token', 'progress-interval': '60', rerun: 'none' });
    expect(rerun.code, rerun.stdout).toBe(0);
    const again = await action('report', { experiment: 'pr-demo', token: 'pr-token', commit: 'true' });
    expect(again.code, again.stdout).toBe(0);
    const second = JSON.parse(git(origin, 'show', 'exp:results/pr-demo/results.json')) as { cells: Array<{ id: string; status: string; metrics: Record<string, number> }> };
    expect(second.cells.map((cell) => [cell.id, cell.status])).toEqual([
      ['ridge@seoul', 'cached'], ['ridge@busan', 'cached'], ['ridge@daegu', 'cached'],
      ['knn@seoul', 'succeeded'], ['knn@busan', 'succeeded'], ['knn@daegu', 'succeeded'],
    ]);
    expect(second.cells.find((cell) => cell.id === 'knn@seoul')!.metrics.rmse).not.toBe(first.cells.find((cell) => cell.id === 'knn@seoul')!.metrics.rmse);
    const updated = mxnComments();
    expect(updated.map((comment) => comment.id)).toEqual([commentId]);
    expect(updated[0]!.body).toContain('Baseline: the previous run on this branch');
    expect(updated[0]!.body).toMatch(/\| knn \| [^|]*[▲▼][^|]*\|/);
    expect(updated[0]!.body).toMatch(/\| ridge \| [^|]*= \|/);
    expect(git(origin, 'log', '-1', '--format=%s', 'exp')).toMatch(/3 succeeded, 3 cached, 0 failed\) \[skip ci\]/);
  });
});

/** Parses the `name<<delimiter … delimiter` blocks @actions/core writes to GITHUB_OUTPUT. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const pattern = /^(.+?)<<(.+)\n([\s\S]*?)\n\2$/gm;
  for (const match of text.matchAll(pattern)) outputs[match[1]!] = match[3]!;
  return outputs;
}
