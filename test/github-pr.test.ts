// A whole pull request, as GitHub runs it: the bundled actions are spawned with INPUT_* variables,
// a recorded pull_request payload, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files and GITHUB_API_URL
// pointing at the loopback GitHub fake; results are committed to a local bare repository, and
// model images are looked up in a real registry (docker-registry) seeded with their tags.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clearBuildContextHashes, hashBuildContext } from '@mxn/core';
import { pushTestImage, skipWithoutRegistry, startGitHubFake, startRegistry, type GitHubFake, type RegistryHandle } from '@mxn/testkit';
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
  /** The shared staging store and cell cache (the workflow's MXN_STAGING), outside the checkout. */
  let staging: string;

  beforeAll(async () => {
    buildActions();
    github = await startGitHubFake({ token: 'pr-token', repos: [REPO] });
    if (!skipWithoutRegistry()) registry = await startRegistry();
    repo = await createPrRepo({ github, experiment: { name: 'pr-demo', text: experiment } });
    staging = await mkdtemp(path.join(tmpdir(), 'mxn-staging-'));
  });

  afterAll(async () => {
    await github?.stop();
    await registry?.stop();
  });

  const action = (name: string, inputs: Record<string, string>): Promise<ActionRun> =>
    repo.action(name, inputs, { MXN_STAGING: staging, ...(registry ? { MXN_REGISTRY: registry.host } : {}) });
  const mxnComments = () => repo.mxnComments('pr-demo');
  const git = (cwd: string, ...args: string[]) => repo.git(cwd, ...args);

  it('plans, runs, comments and commits; a second push reruns only the changed model', { timeout: 60_000 }, async () => {
    github.addComment(REPO, PR, 'Looks good, run it please.', 'reviewer');
    github.setPullFiles(REPO, PR, ['experiments/pr-demo.yaml']);
    if (registry) {
      for (const model of ['ridge', 'knn'])
        await pushTestImage(registry.url, model, (await hashBuildContext(path.join(repo.work, 'models', model))).slice(0, 12));
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
    const patches = github.requests
      .filter((request) => request.method === 'PATCH')
      .map((request) => (request.body as { body: string }).body);
    expect(patches.some((body) => body.includes('· running') && body.includes('cells done on `local`'))).toBe(true);

    // 3. report: tables in the comment and the job summary, results committed with [skip ci].
    const report = await action('report', {
      experiment: 'pr-demo',
      token: 'pr-token',
      commit: 'true',
      'report-url': 'https://github.example/acme/pricing/actions/runs/4242/artifacts/1',
    });
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
    expect(git(repo.origin, 'ls-tree', '-r', '--name-only', BRANCH, 'results')).toBe(
      'results/pr-demo/results.json\nresults/pr-demo/summary.md',
    );
    expect(report.outputs.commit).toBe(git(repo.origin, 'rev-parse', BRANCH));
    const first = repo.showJson<{ cells: Array<{ id: string; metrics: Record<string, number> }> }>('results/pr-demo/results.json');
    // the cell cache is in MXN_STAGING, not in the runner's checkout
    expect((await readdir(path.join(staging, 'cache'))).filter((file) => file.endsWith('.json'))).toHaveLength(6);
    expect(existsSync(path.join(repo.work, '.mxn'))).toBe(false);

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

    const rerun = await action('run', {
      experiment: 'experiments/pr-demo.yaml',
      token: 'pr-token',
      'progress-interval': '60',
      rerun: 'none',
    });
    expect(rerun.code, rerun.stdout).toBe(0);
    const again = await action('report', { experiment: 'pr-demo', token: 'pr-token', commit: 'true' });
    expect(again.code, again.stdout).toBe(0);
    const second = repo.showJson<{ cells: Array<{ id: string; status: string; metrics: Record<string, number> }> }>(
      'results/pr-demo/results.json',
    );
    expect(second.cells.map((cell) => [cell.id, cell.status])).toEqual([
      ['ridge@seoul', 'cached'],
      ['ridge@busan', 'cached'],
      ['ridge@daegu', 'cached'],
      ['knn@seoul', 'succeeded'],
      ['knn@busan', 'succeeded'],
      ['knn@daegu', 'succeeded'],
    ]);
    expect(second.cells.find((cell) => cell.id === 'knn@seoul')!.metrics.rmse).not.toBe(
      first.cells.find((cell) => cell.id === 'knn@seoul')!.metrics.rmse,
    );
    const updated = mxnComments();
    expect(updated.map((comment) => comment.id)).toEqual([commentId]);
    expect(updated[0]!.body).toContain('Baseline: the previous run on this branch');
    expect(updated[0]!.body).toMatch(/\| knn \| [^|]*[▲▼][^|]*\|/);
    expect(updated[0]!.body).toMatch(/\| ridge \| [^|]*= \|/);
    expect(git(repo.origin, 'log', '-1', '--format=%s', BRANCH)).toMatch(/3 succeeded, 3 cached, 0 failed\) \[skip ci\]/);
  });
});

describe('the GitHub loop: problems in one experiment, and a cancelled run', () => {
  let github: GitHubFake;
  let repo: PrRepo;
  let staging: string;

  beforeAll(async () => {
    buildActions();
    github = await startGitHubFake({ token: 'pr-token', repos: [REPO] });
    repo = await createPrRepo({ github, experiment: { name: 'pr-good', text: experiment.replace('name: pr-demo', 'name: pr-good') } });
    staging = await mkdtemp(path.join(tmpdir(), 'mxn-staging-'));
  });

  afterAll(async () => {
    await github?.stop();
  });

  it('plans the valid experiment for the run and reports the other one’s problems without failing the step', {
    timeout: 30_000,
  }, async () => {
    await writeFile(
      path.join(repo.work, 'experiments/pr-bad.yaml'),
      experiment.replace('name: pr-demo', 'name: pr-bad').replace('target: price', 'targt: price'),
    );
    github.setPullFiles(REPO, PR, ['experiments/pr-bad.yaml', 'experiments/pr-good.yaml']);
    const plan = await repo.action('plan', { token: 'pr-token', rerun: 'none' }, { MXN_STAGING: staging });
    expect(plan.code, plan.stdout).toBe(0);
    expect(JSON.parse(plan.outputs.experiments!)).toEqual(['experiments/pr-good.yaml']);
    expect(Number(plan.outputs.problems)).toBeGreaterThan(0);
    expect(plan.stdout).toMatch(/::error file=experiments\/pr-bad\.yaml,line=\d+/);
    expect(repo.mxnComments('pr-bad')[0]!.body).toContain('nothing will run until they are fixed');
    expect(repo.mxnComments('pr-good')[0]!.body).toContain('**2 × 3 = 6 cells**');
  });

  it('a plan job without cloud credentials plans an s3:// experiment with a note, exits 0, and still reports a real problem', {
    timeout: 30_000,
  }, async () => {
    const s3 = experiment
      .replace('name: pr-demo', 'name: pr-s3')
      .replace('data/housing/seoul.parquet', 's3://mxn-data/housing/seoul.parquet');
    await writeFile(path.join(repo.work, 'experiments/pr-s3.yaml'), s3);
    await writeFile(
      path.join(repo.work, 'experiments/pr-s3-bad.yaml'),
      s3.replace('name: pr-s3', 'name: pr-s3-bad').replace('target: price', 'targt: price'),
    );
    github.setPullFiles(REPO, PR, ['experiments/pr-s3.yaml', 'experiments/pr-s3-bad.yaml']);
    // as in a fork's plan job: no AWS credentials at all; S3 (and the cache) at a closed loopback port
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const plan = await repo.action(
      'plan',
      { token: 'pr-token', rerun: 'none' },
      {
        MXN_STAGING: 's3://mxn-staging/cells',
        AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
        AWS_REGION: 'us-east-1',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    );
    expect(plan.code, plan.stdout).toBe(0);
    expect(JSON.parse(plan.outputs.experiments!)).toEqual(['experiments/pr-s3.yaml']);
    const body = repo.mxnComments('pr-s3')[0]!.body;
    expect(body).toContain('**2 × 3 = 6 cells** from `experiments/pr-s3.yaml`: cache not checked');
    expect(body).toContain('_Datasets and cache not checked: no cloud credentials in this job');
    expect(body).toMatch(/\| ridge \| \? unchecked \| \? unchecked \| \? unchecked \|/);
    expect(plan.stdout).toMatch(/pr-s3\.yaml: datasets and cache not checked/);
    // the other file's typo is still a problem, annotated at its line
    expect(Number(plan.outputs.problems)).toBeGreaterThan(0);
    expect(plan.stdout).toMatch(/::error file=experiments\/pr-s3-bad\.yaml,line=\d+/);
    expect(repo.mxnComments('pr-s3-bad')[0]!.body).toContain('nothing will run until they are fixed');
  });

  it('a SIGTERM to the run step cancels the cells: comment says cancelled, no model process is left', { timeout: 30_000 }, async () => {
    const pids = await mkdtemp(path.join(tmpdir(), 'mxn-pids-'));
    await mkdir(path.join(repo.work, 'models/slow'), { recursive: true });
    await writeFile(path.join(repo.work, 'models/slow/package.json'), '{ "private": true, "type": "module" }\n');
    await writeFile(
      path.join(repo.work, 'models/slow/train.js'),
      `import { writeFileSync } from 'node:fs';\n` +
        `writeFileSync(${JSON.stringify(pids)} + '/' + process.env.MXN_CELL_ID, String(process.pid));\n` +
        `setInterval(() => {}, 1000);\n`,
    );
    await writeFile(
      path.join(repo.work, 'experiments/pr-slow.yaml'),
      `name: pr-slow\ndatasets:\n  - { name: seoul, train: data/housing/seoul.parquet }\n` +
        `  - { name: busan, train: data/housing/busan.parquet }\nmodels:\n` +
        `  - { name: slow, build: models/slow, command: [node, train.js] }\n` +
        `evaluation: { target: price, metrics: [rmse] }\ncompute: { concurrency: 2, retries: 0, timeout: 2m }\n`,
    );
    let stopped = false;
    const run = await repo.action(
      'run',
      { experiment: 'experiments/pr-slow.yaml', token: 'pr-token', 'progress-interval': '0', rerun: 'none' },
      { MXN_STAGING: staging },
      (child) => {
        const poll = setInterval(() => {
          void readdir(pids).then((files) => {
            if (files.length < 2 || stopped) return;
            stopped = true;
            clearInterval(poll);
            child.kill('SIGTERM');
          });
        }, 50);
        child.on('close', () => clearInterval(poll));
      },
    );
    expect(stopped, run.stdout).toBe(true);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toMatch(/SIGTERM: cancelling the run/);
    expect(run.stdout).toMatch(/mxn run: cancelled/);
    expect(run.outputs.cancelled).toBe('true');
    const results = JSON.parse(await readFile(path.join(repo.work, 'results/pr-slow/results.json'), 'utf8')) as {
      cells: Array<{ status: string }>;
    };
    expect(results.cells.map((cell) => cell.status)).toEqual(['cancelled', 'cancelled']);
    expect(repo.mxnComments('pr-slow')[0]!.body).toMatch(/## mxn · pr-slow · cancelled[\s\S]*\*\*Cancelled\*\*/);
    for (const file of await readdir(pids)) {
      const pid = Number(await readFile(path.join(pids, file), 'utf8'));
      expect(() => process.kill(pid, 0), `model process ${pid} (${file}) is still running`).toThrow();
    }
  });
});
