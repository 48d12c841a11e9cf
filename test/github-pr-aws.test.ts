// The experiment workflow started by hand (`workflow_dispatch`) on the PR branch with backend `aws-batch`, as its
// jobs play it: plan → run (no GitHub token) on the loopback AWS Batch service with S3 staging → publish (results
// committed on the branch). The file says `compute.backend: local`; the dispatch's `backend` choice overrides it,
// and its default, `experiment`, keeps the file's.
import { startEmulators, modelFolderImages, startGitHubFake, type EmulatorsHandle, type GitHubFake } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, buildActions, createPrRepo, runJobs, type ActionRun, type PrRepo } from './support/github-pr.js';

const TOKEN = 'pr-aws-token';
const experiment = `name: pr-aws
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: ridge, build: models/ridge, command: [node, train.js], params: { alpha: [0.1, 1] } }
  - { name: knn, build: models/knn, command: [node, train.js], params: { k: 10 } }
evaluation:
  target: price
  metrics: [rmse, r2]
compute:
  backend: local
  retries: 0
  timeout: 2m
`;

interface Results {
  backend: string;
  cells: Array<{ id: string; status: string; output?: string; metrics: Record<string, number> }>;
}

const ok = (job: ActionRun | undefined) => expect(job?.code, job?.stdout).toBe(0);

describe('the GitHub loop started by hand with backend aws-batch (loopback AWS Batch + S3)', () => {
  let github: GitHubFake;
  let emulators: EmulatorsHandle;
  let repo: PrRepo;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    buildActions();
    github = await startGitHubFake({ token: TOKEN, repos: [REPO] });
    repo = await createPrRepo({ github, experiment: { name: 'pr-aws', text: experiment } });
    // AWS Batch runs an image as the model folder whose build-context hash is its tag.
    emulators = await startEmulators({ batch: false, ecr: false, awsBatch: { images: modelFolderImages(repo.work), tickMs: 10 } });
    // What the workflow's run job has: AWS settings (OIDC credentials, region, vars) and the S3 staging.
    env = { ...emulators.env, MXN_STAGING: 's3://mxn/staging', MXN_BATCH_POLL_MS: '100' };
  }, 60_000);

  afterAll(async () => {
    await Promise.all([github?.stop(), emulators?.stop()]);
  });

  it('runs the matrix as array jobs on AWS Batch and commits the results; `experiment` keeps the file’s backend', {
    timeout: 180_000,
  }, async () => {
    const aws = emulators.awsBatch!;
    const jobs = await runJobs(repo, github, {
      token: TOKEN,
      env,
      dispatch: { experiment: 'experiments/pr-aws.yaml', backend: 'aws-batch' },
    });
    ok(jobs.plan);
    expect(jobs.skipped).toBeUndefined();
    expect(JSON.parse(jobs.plan.outputs.experiments!)).toEqual(['experiments/pr-aws.yaml']);
    const [planned] = JSON.parse(jobs.plan.outputs.plan!) as Array<{ cells: number; toRun: number }>;
    expect(planned).toMatchObject({ cells: 6, toRun: 6 });

    const { run, publish } = jobs.experiments[0]!;
    ok(run);
    expect(run.stdout).toMatch(/on aws-batch, run pr-aws-/);
    expect(run.stdout).toMatch(/knn@daegu: succeeded/);
    // ridge (2 alphas × 2 datasets) and knn (2 datasets): two array jobs (the experiment has no aggregate).
    const parents = [...aws.store.jobs.values()].filter((job) => job.parentId === undefined);
    expect(parents.map((job) => job.arraySize ?? 1).sort((a, b) => a - b)).toEqual([2, 4]);
    aws.assertNoSecrets();

    ok(publish);
    expect(repo.git(repo.origin, 'log', '-1', '--format=%s', 'exp')).toMatch(
      /^mxn: results of pr-aws \(6 succeeded, 0 cached, 0 failed\) \[skip ci\]$/,
    );
    const onAws = repo.showJson<Results>('results/pr-aws/results.json');
    expect(onAws.backend).toBe('aws-batch');
    expect(onAws.cells.filter((cell) => cell.status !== 'succeeded' || !Number.isFinite(cell.metrics.rmse))).toEqual([]);
    expect(onAws.cells[0]?.output).toMatch(/^s3:\/\/mxn\/staging\//);

    // The dispatch form's default: each experiment's own compute.backend (here local), not a backend named "experiment".
    const submits = aws.calls.SubmitJob;
    const again = await runJobs(repo, github, { token: TOKEN, env, dispatch: { experiment: 'experiments/pr-aws.yaml' } });
    ok(again.plan);
    ok(again.experiments[0]?.run);
    expect(again.experiments[0]!.run.stdout).toMatch(/on local, run pr-aws-/);
    expect(aws.calls.SubmitJob).toBe(submits);
    ok(again.experiments[0]?.publish);
    expect(repo.showJson<Results>('results/pr-aws/results.json').backend).toBe('local');
  });
});
