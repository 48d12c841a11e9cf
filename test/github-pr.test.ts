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
import { recordedCommit } from '@mxn/github';
import { pushTestImage, skipWithoutRegistry, startGitHubFake, startRegistry, type GitHubFake, type RegistryHandle } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRANCH, PR, REPO, buildActions, createPrRepo, pushKnnChange, runJobs, type PrRepo } from './support/github-pr.js';

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

  const mxnComments = () => repo.mxnComments('pr-demo');
  const jobEnv = (): NodeJS.ProcessEnv => ({ MXN_STAGING: staging, ...(registry ? { MXN_REGISTRY: registry.host } : {}) });
  /** Comment bodies sent to GitHub (created or updated), from request `from` on. */
  const postedBodies = (from = 0) =>
    github.requests
      .slice(from)
      .filter((request) => (request.method === 'POST' || request.method === 'PATCH') && request.path.includes('/comments'))
      .map((request) => (request.body as { body: string }).body);
  const git = (cwd: string, ...args: string[]) => repo.git(cwd, ...args);

  it('plans, runs, comments and commits; a second push reruns only the changed model', { timeout: 60_000 }, async () => {
    github.addComment(REPO, PR, 'Looks good, run it please.', 'reviewer');
    github.setPullFiles(REPO, PR, ['experiments/pr-demo.yaml']);
    if (registry) {
      for (const model of ['ridge', 'knn'])
        await pushTestImage(registry.url, model, (await hashBuildContext(path.join(repo.work, 'models', model))).slice(0, 12));
    }

    // The workflow's jobs: plan (posts the plan) → run (no GitHub token) → publish (from the run's artifact).
    const head = git(repo.work, 'rev-parse', 'HEAD');
    const jobs = await runJobs(repo, github, {
      token: 'pr-token',
      env: jobEnv(),
      reportUrl: 'https://github.example/acme/pricing/actions/runs/4242/artifacts/1',
    });
    // 1. plan: the sticky comment showed the 2 × 3 matrix, all to run, for the head commit.
    const { plan } = jobs;
    expect(plan.code, plan.stdout).toBe(0);
    expect(JSON.parse(plan.outputs.experiments!)).toEqual(['experiments/pr-demo.yaml']);
    expect(plan.outputs['approved-sha']).toBe('');
    const planBody = postedBodies().find((body) => body.includes('· plan'))!;
    expect(planBody).toContain('**2 × 3 = 6 cells**');
    expect(planBody).toMatch(/\| ridge \| ▶ run \| ▶ run \| ▶ run \|/);
    expect(recordedCommit(planBody)).toBe(head);
    expect(planBody).toContain(`Planned for commit \`${head}\``);
    expect(planBody).toContain("Runs next: progress in [the run's log](https://github.example/acme/pricing/actions/runs/4242)");
    if (registry) expect(planBody).toContain('0 to build, 2 already in the registry');
    const planPosts = github.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/comments')).length;
    expect(planPosts).toBe(1);

    // 2. run on the local backend, without a token (runJobs checks it made no GitHub request): progress in its log.
    expect(jobs.experiments).toHaveLength(1);
    const { run, publish: report, artifact } = jobs.experiments[0]!;
    if (!report) throw new Error(run.stdout);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/knn@daegu: succeeded/);
    expect(run.stdout).toMatch(/pr-demo: 6 cells \(6 to run, 0 cached\) on local/);
    expect((await readdir(artifact)).sort()).toEqual(['report.html', 'results.json', 'summary.md']);

    // 3. publish: tables in the same comment and the job summary, results committed with [skip ci].
    const commentId = mxnComments()[0]!.id;
    expect(report.code, report.stdout).toBe(0);
    expect(mxnComments().map((comment) => comment.id)).toEqual([commentId]);
    const results = mxnComments()[0]!.body;
    expect(recordedCommit(results)).toBe(head);
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
    const before = github.requests.length;
    const pushed = git(repo.work, 'rev-parse', 'HEAD');
    const again2 = await runJobs(repo, github, { token: 'pr-token', env: jobEnv() });
    expect(again2.plan.code, again2.plan.stdout).toBe(0);
    const replanBody = postedBodies(before).find((body) => body.includes('· plan'))!;
    expect(replanBody).toContain('3 to run, 3 cached');
    expect(replanBody).toMatch(/\| ridge \| ✓ cached \| ✓ cached \| ✓ cached \|/);
    expect(replanBody).toMatch(/\| knn \| ▶ run \| ▶ run \| ▶ run \|/);
    expect(recordedCommit(replanBody)).toBe(pushed);
    if (registry) expect(replanBody).toMatch(/1 to build, 1 already in the registry[\s\S]*knn:[0-9a-f]{12}` — to build/);
    const { run: rerun, publish: again } = again2.experiments[0]!;
    if (!again) throw new Error(rerun.stdout);
    expect(rerun.code, rerun.stdout).toBe(0);
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
    const run = await repo.action('run', { experiment: 'experiments/pr-slow.yaml', rerun: 'none' }, { MXN_STAGING: staging }, (child) => {
      const poll = setInterval(() => {
        void readdir(pids).then((files) => {
          if (files.length < 2 || stopped) return;
          stopped = true;
          clearInterval(poll);
          child.kill('SIGTERM');
        });
      }, 50);
      child.on('close', () => clearInterval(poll));
    });
    expect(stopped, run.stdout).toBe(true);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toMatch(/SIGTERM: cancelling the run/);
    expect(run.stdout).toMatch(/mxn run: cancelled/);
    expect(run.outputs.cancelled).toBe('true');
    const results = JSON.parse(await readFile(path.join(repo.work, 'results/pr-slow/results.json'), 'utf8')) as {
      cells: Array<{ status: string }>;
    };
    expect(results.cells.map((cell) => cell.status)).toEqual(['cancelled', 'cancelled']);
    // the publish job (it runs after a cancelled run too) posts the partial results as cancelled
    const publish = await repo.action('report', { experiment: 'pr-slow', token: 'pr-token', commit: 'true' }, { MXN_STAGING: staging });
    expect(publish.code, publish.stdout).toBe(0);
    expect(repo.mxnComments('pr-slow')[0]!.body).toMatch(/## mxn · pr-slow[\s\S]*2 cancelled/);
    for (const file of await readdir(pids)) {
      const pid = Number(await readFile(path.join(pids, file), 'utf8'));
      expect(() => process.kill(pid, 0), `model process ${pid} (${file}) is still running`).toThrow();
    }
  });
});

describe('the GitHub loop: an untrusted pull request runs only the commit a maintainer approved', () => {
  let github: GitHubFake;
  let repo: PrRepo;
  let staging: string;
  const file = 'experiments/pr-untrusted.yaml';
  const head = () => repo.git(repo.work, 'rev-parse', 'HEAD');
  const comment = () => repo.mxnComments('pr-untrusted')[0]!.body;
  const env = (): NodeJS.ProcessEnv => ({ MXN_STAGING: staging });

  beforeAll(async () => {
    buildActions();
    github = await startGitHubFake({ token: 'pr-token', repos: [REPO] });
    repo = await createPrRepo({
      github,
      experiment: { name: 'pr-untrusted', text: experiment.replace('name: pr-demo', 'name: pr-untrusted') },
    });
    github.setPullFiles(REPO, PR, [file]);
    staging = await mkdtemp(path.join(tmpdir(), 'mxn-staging-'));
  });

  afterAll(async () => {
    await github?.stop();
  });

  it('a same-repository pull request by an author without write access is planned only; the run step refuses it on its own', {
    timeout: 60_000,
  }, async () => {
    Object.assign(repo.event, { name: 'pull_request_target', action: 'opened', authorAssociation: 'CONTRIBUTOR', fork: false });
    const jobs = await runJobs(repo, github, { token: 'pr-token', env: env() });
    expect(jobs.plan.code, jobs.plan.stdout).toBe(0);
    expect(jobs.skipped, jobs.plan.stdout).toMatch(/^untrusted pull request not approved/);
    expect(comment()).toContain('_By an author without write access (`CONTRIBUTOR`): nothing runs until a maintainer approves');
    expect(recordedCommit(comment())).toBe(head());
    // were the workflow's gate bypassed, the run step itself refuses: no approval, nothing runs
    const run = await repo.action('run', { experiment: file, rerun: 'none' }, env());
    expect(run.code).not.toBe(0);
    expect(run.stdout).toMatch(/mxn run: github: this pull request is untrusted .* has no approval/);
    expect(existsSync(path.join(repo.work, 'results/pr-untrusted'))).toBe(false);

    // the same pull request by a collaborator is trusted: planned, run and published at once
    Object.assign(repo.event, { name: 'pull_request', action: 'synchronize', authorAssociation: 'COLLABORATOR' });
    const trusted = await runJobs(repo, github, { token: 'pr-token', env: env() });
    expect(trusted.skipped).toBeUndefined();
    expect(trusted.experiments[0]!.run.code, trusted.experiments[0]!.run.stdout).toBe(0);
    expect(trusted.experiments[0]!.publish?.code, trusted.experiments[0]!.publish?.stdout).toBe(0);
    expect(comment()).toContain('### rmse (lower is better)');
  });

  it('a push just before the mxn:run label runs nothing; the label on the shown commit runs that commit, never as processes', {
    timeout: 60_000,
  }, async () => {
    // a fork opens the pull request: the plan comment shows commit A
    Object.assign(repo.event, { name: 'pull_request_target', action: 'opened', authorAssociation: 'NONE', fork: true, label: undefined });
    const opened = await runJobs(repo, github, { token: 'pr-token', env: env() });
    expect(opened.skipped).toMatch(/not approved/);
    const a = head();
    expect(recordedCommit(comment())).toBe(a);
    expect(comment()).toContain('_From a fork: nothing runs until a maintainer approves');
    expect(comment()).toContain(`Planned for commit \`${a}\`. The \`mxn:run\` label approves this commit only`);

    // the fork pushes B; before its plan is posted, the maintainer (who read A's plan) adds the label
    await writeFile(path.join(repo.work, file), `${await readFile(path.join(repo.work, file), 'utf8')}# a late change\n`);
    repo.git(repo.work, 'commit', '--quiet', '-am', 'A late change');
    const b = head();
    Object.assign(repo.event, { action: 'labeled', label: 'mxn:run' });
    const raced = await runJobs(repo, github, { token: 'pr-token', env: env() });
    expect(raced.plan.code, raced.plan.stdout).toBe(0);
    expect(raced.plan.outputs['approved-sha']).toBe('');
    expect(raced.skipped).toMatch(/not approved/);
    expect(raced.plan.stdout).toContain(
      `not approved: "pr-untrusted": the label was added while the comment showed commit ${a.slice(0, 12)}, ` +
        `but the head is now ${b.slice(0, 12)}`,
    );
    // the comment now shows B, and says the label did not run it
    expect(recordedCommit(comment())).toBe(b);
    expect(comment()).toContain('**Not run:** the `mxn:run` label was added for an older commit');
    // the run step's own guard: an approval of A never runs B
    const stale = await repo.action('run', { experiment: file, rerun: 'none', 'approved-sha': a }, env());
    expect(stale.code).not.toBe(0);
    expect(stale.stdout).toContain(`the approved commit ${a.slice(0, 12)} is not the pull request's head ${b.slice(0, 12)}`);

    // the maintainer reads B's plan and adds the label again: B is approved and runs, in containers only
    const approved = await runJobs(repo, github, { token: 'pr-token', env: { ...env(), MXN_CONTAINER_ENGINE: 'mxn-no-such-engine' } });
    expect(approved.plan.outputs['approved-sha']).toBe(b);
    expect(approved.plan.stdout).toContain(`approved: commit ${b} is the one every plan comment showed`);
    expect(approved.skipped).toBeUndefined();
    const run = approved.experiments[0]!.run;
    // MXN_RUNTIME=process is set for this test run, and no container engine answers: an untrusted run still refuses processes
    expect(run.code).not.toBe(0);
    expect(run.stdout).toMatch(/no container engine answers[\s\S]*fork runs use the container runtime only/);
    expect(run.stdout).not.toMatch(/@seoul: (running|succeeded)/);
  });

  it('a COLLABORATOR with read permission only is planned only: the plan step asks GitHub, the run job waits', {
    timeout: 60_000,
  }, async () => {
    github.setPermission(REPO, 'reader', 'read');
    Object.assign(repo.event, {
      name: 'pull_request',
      action: 'synchronize',
      authorAssociation: 'COLLABORATOR',
      fork: false,
      label: undefined,
    });
    Object.assign(repo.event, { author: 'reader' });
    const jobs = await runJobs(repo, github, { token: 'pr-token', env: env() });
    expect(jobs.plan.code, jobs.plan.stdout).toBe(0);
    expect(jobs.plan.outputs.trusted).toBe('false');
    expect(jobs.skipped).toMatch(/no write access/);
    expect(jobs.plan.stdout).toContain('the author reader has permission read: planned only');
    expect(github.requests.some((request) => request.path === `/repos/${REPO}/collaborators/reader/permission`)).toBe(true);
    expect(comment()).toContain('_By an author without write access (`permission read`): nothing runs until a maintainer approves');
  });
});
