// A whole pull request, as GitHub runs it: the bundled actions are spawned with INPUT_* variables,
// a recorded pull_request payload, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files and GITHUB_API_URL
// pointing at the loopback GitHub fake; results are committed to a local bare repository, and
// model images are looked up in a real registry (docker-registry) seeded with their tags.
import path from 'node:path';
import { clearBuildContextHashes, hashBuildContext } from '@mxn/core';
import { pushTestImage, registryAvailable, startGitHubFake, startRegistry, type GitHubFake, type RegistryHandle } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRANCH, PR, REPO, buildActions, createPrRepo, pushKnnChange, type ActionRun, type PrRepo } from './support/github-pr.js';

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

describe('the GitHub loop on a pull request', () => {
  let github: GitHubFake;
  let registry: RegistryHandle | undefined;
  let repo: PrRepo;

  beforeAll(async () => {
    buildActions();
    github = await startGitHubFake({ token: 'pr-token', repos: [REPO] });
    if (registryAvailable()) registry = await startRegistry();
    repo = await createPrRepo({ github, experiment: { name: 'pr-demo', text: experiment } });
  });

  afterAll(async () => {
    await github?.stop();
    await registry?.stop();
  });

  const action = (name: string, inputs: Record<string, string>): Promise<ActionRun> => repo.action(name, inputs, registry ? { MXN_REGISTRY: registry.host } : {});
  const mxnComments = () => repo.mxnComments('pr-demo');
  const git = (cwd: string, ...args: string[]) => repo.git(cwd, ...args);

  it('plans, runs, comments and commits; a second push reruns only the changed model', { timeout: 60_000 }, async () => {
    github.addComment(REPO, PR, 'Looks good, run it please.', 'reviewer');
    github.setPullFiles(REPO, PR, ['experiments/pr-demo.yaml']);
    if (registry) {
      for (const model of ['ridge', 'knn']) await pushTestImage(registry.url, model, (await hashBuildContext(path.join(repo.work, 'models', model))).slice(0, 12));
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
    const log = git(repo.origin, 'log', '-1', '--format=%an%n%s', BRANCH).split('\n');
    expect(log[0]).toBe('github-actions[bot]');
    expect(log[1]).toMatch(/^mxn: results of pr-demo \(6 succeeded, 0 cached, 0 failed\) \[skip ci\]$/);
    expect(git(repo.origin, 'ls-tree', '-r', '--name-only', BRANCH, 'results')).toBe('results/pr-demo/results.json\nresults/pr-demo/summary.md');
    expect(report.outputs.commit).toBe(git(repo.origin, 'rev-parse', BRANCH));
    const first = repo.showJson<{ cells: Array<{ id: string; metrics: Record<string, number> }> }>('results/pr-demo/results.json');

    // 4. a second push changes knn only: its three cells rerun, ridge's come from the cache.
    await pushKnnChange(repo);
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
    const second = repo.showJson<{ cells: Array<{ id: string; status: string; metrics: Record<string, number> }> }>('results/pr-demo/results.json');
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
    expect(git(repo.origin, 'log', '-1', '--format=%s', BRANCH)).toMatch(/3 succeeded, 3 cached, 0 failed\) \[skip ci\]/);
  });
});
