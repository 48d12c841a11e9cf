// A model that dumps every environment it can reach (its own and, through /proc, its parents':
// the action's token, the OIDC request token, cloud keys) and throws it as its error. The one
// redactor keeps every secret out of results.json, summary.md, report.html, the commit, the
// comment and the logs; the redaction marker is there instead.
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGitHubFake, type GitHubFake } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRANCH, PR, REPO, buildActions, createPrRepo, type PrRepo } from './support/github-pr.js';
import { repoRoot } from './support/project.js';

const GHS = `ghs_${'L3akT0k3n'.repeat(4)}`;
const JWT =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJyZXBvOmFjbWUvcHJpY2luZzpyZWY6cmVmcy9oZWFkcy9leHAifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
const AKIA = 'AKIAIOSFODNN7EXAMPLE';
const SIG = 'Zm9yZ2VkLXNpZ25hdHVyZQ%3D%3D';
const KNOWN = 'plain-known-secret-value-42';
const SECRETS = [GHS, JWT, AKIA, SIG, KNOWN];

const experiment = `name: leaky
datasets:
  - { name: daegu, train: datasets/daegu.parquet }
models:
  - { name: leaky, build: models/leaky, command: [node, train.js] }
evaluation: { target: price, metrics: [rmse] }
compute: { concurrency: 1, retries: 0, timeout: 2m, runtime: process }
`;

// Every environment this process can reach: its own and its ancestors' (/proc/<pid>/environ).
const reachEnvironments = `const seen = [];
for (let pid = process.pid, depth = 0; pid > 1 && depth < 12; depth++) {
  try { seen.push(fs.readFileSync('/proc/' + pid + '/environ', 'utf8').split('\\0').join(' ')); } catch {}
  const stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
  pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}
`;

const leakyModel = `const fs = require('node:fs');
${reachEnvironments}
process.stderr.write(seen.join('\\n') + '\\n');
throw new Error('leaked: ' + seen.join(' | '));
`;

// A model that succeeds, and writes every variable it can reach into its own metrics.json, as keys
// (NAME=value) and as values.
const metricsExperiment = `name: leaky-metrics
datasets:
  - { name: daegu, train: datasets/daegu.parquet }
models:
  - { name: leaky-metrics, build: models/leaky-metrics, command: [node, train.mjs] }
evaluation: { target: price, metrics: [rmse] }
compute: { concurrency: 1, retries: 0, timeout: 2m, runtime: process }
`;

const metricsModel = `import fs from 'node:fs';
import { runTask, writeModelMetrics, writePredictions } from '@mxn/model-kit';
${reachEnvironments}
await runTask(async ({ test }) => {
  await writePredictions(new Float64Array(test.numRows).fill(1), { expectedRows: test.numRows });
  const metrics = { environ: seen };
  for (const variable of seen.join(' ').split(' ')) metrics[variable] = variable.slice(variable.indexOf('=') + 1);
  await writeModelMetrics(metrics);
});
`;

describe.runIf(process.platform === 'linux')('secrets a model can reach', () => {
  let github: GitHubFake;
  let repo: PrRepo;
  let staging: string;

  beforeAll(async () => {
    buildActions();
    github = await startGitHubFake({ token: GHS, repos: [REPO] });
    repo = await createPrRepo({ github, experiment: { name: 'leaky', text: experiment }, models: [] });
    await mkdir(path.join(repo.work, 'models/leaky'), { recursive: true });
    await writeFile(
      path.join(repo.work, 'models/leaky/Dockerfile'),
      'FROM node:20-slim\nWORKDIR /model\nCOPY . .\nCMD ["node","train.js"]\n',
    );
    await writeFile(path.join(repo.work, 'models/leaky/train.js'), leakyModel);
    await mkdir(path.join(repo.work, 'models/leaky-metrics'), { recursive: true });
    await writeFile(path.join(repo.work, 'models/leaky-metrics/train.mjs'), metricsModel);
    await writeFile(path.join(repo.work, 'experiments/leaky-metrics.yaml'), metricsExperiment);
    await mkdir(path.join(repo.work, 'datasets'));
    await copyFile(path.join(repoRoot, 'data/housing/daegu.parquet'), path.join(repo.work, 'datasets/daegu.parquet'));
    repo.git(repo.work, 'add', '.');
    repo.git(repo.work, 'commit', '--quiet', '-m', 'A model that reads its environment');
    repo.git(repo.work, 'push', '--quiet', 'origin', BRANCH);
    staging = await mkdtemp(path.join(tmpdir(), 'mxn-staging-'));
  });

  afterAll(() => github?.stop());

  /** The environment of a run for a pull request by a member of the repository (trusted: its cells may run as processes here). */
  async function memberEnv(): Promise<Record<string, string>> {
    const event = path.join(repo.dir, 'member-event.json');
    const pullRequest = {
      number: PR,
      author_association: 'MEMBER',
      head: { ref: BRANCH, sha: repo.git(repo.work, 'rev-parse', 'HEAD'), repo: { full_name: REPO } },
      base: { ref: 'main', repo: { full_name: REPO } },
    };
    await writeFile(
      event,
      JSON.stringify({
        action: 'synchronize',
        number: PR,
        pull_request: pullRequest,
        repository: { full_name: REPO, default_branch: 'main' },
      }),
    );
    const env = {
      GITHUB_EVENT_PATH: event,
      MXN_STAGING: staging,
      MXN_RUNTIME: 'process',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: JWT,
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.example/request',
      AWS_ACCESS_KEY_ID: AKIA,
      AZURE_CLIENT_SECRET: KNOWN,
      MXN_DATA_URL: `https://acct.blob.core.windows.net/data/x.parquet?sv=2024-01-01&sr=b&sig=${SIG}&se=2030-01-01`,
    };
    return env;
  }

  it('reach no results file, commit, comment or log; the marker does', { timeout: 90_000 }, async () => {
    const env = await memberEnv();
    const run = await repo.action('run', { experiment: 'experiments/leaky.yaml', rerun: 'none', token: GHS }, env);
    expect(run.stdout).toMatch(/leaky@daegu: failed/);
    const results = await readFile(path.join(repo.work, 'results/leaky/results.json'), 'utf8');
    // the model did reach the runner's environment: its names are in the error, its values are not
    const error = (JSON.parse(results) as { cells: Array<{ error?: string }> }).cells[0]!.error ?? '';
    expect(error).toContain('ACTIONS_ID_TOKEN_REQUEST_TOKEN=***');
    expect(error).toContain('INPUT_TOKEN=***');
    expect(error).toContain('AWS_ACCESS_KEY_ID=AKIA***');
    expect(error).toContain('sig=***&se=2030-01-01');
    expect(error).toContain('AZURE_CLIENT_SECRET=***');

    const report = await repo.action('report', { experiment: 'leaky', token: GHS, commit: 'true' }, env);
    expect(report.code, report.stdout).toBe(0);
    const comments = github.comments(REPO, PR).map((comment) => comment.body);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain('***');
    const texts: Record<string, string> = {
      'results.json': results,
      'summary.md': await readFile(path.join(repo.work, 'results/leaky/summary.md'), 'utf8'),
      'report.html': await readFile(path.join(repo.work, 'results/leaky/report.html'), 'utf8'),
      'committed results.json': repo.git(repo.origin, 'show', `${BRANCH}:results/leaky/results.json`),
      'committed summary.md': repo.git(repo.origin, 'show', `${BRANCH}:results/leaky/summary.md`),
      comment: comments[0]!,
      'job summary': report.summary,
      'run log': run.stdout,
      'report log': report.stdout,
    };
    for (const [where, text] of Object.entries(texts))
      for (const secret of SECRETS) expect(text, `${secret} in ${where}`).not.toContain(secret);
    expect(texts['report.html']).toContain('***');
  });

  it("reach nothing through the model's own metrics.json, as keys or as values", { timeout: 90_000 }, async () => {
    const env = await memberEnv();
    const run = await repo.action('run', { experiment: 'experiments/leaky-metrics.yaml', rerun: 'none', token: GHS }, env);
    expect(run.stdout).toMatch(/leaky-metrics@daegu: succeeded/);
    const results = await readFile(path.join(repo.work, 'results/leaky-metrics/results.json'), 'utf8');
    // the model did write the runner's variables: their names are there (as keys and values), their values are not
    const metrics = (JSON.parse(results) as { cells: Array<{ modelMetrics?: Record<string, unknown> }> }).cells[0]!.modelMetrics ?? {};
    expect(Object.keys(metrics)).toContain('INPUT_TOKEN=***');
    expect(Object.keys(metrics)).toContain('AWS_ACCESS_KEY_ID=AKIA***');
    expect(metrics['AZURE_CLIENT_SECRET=***']).toBe('***');
    expect(JSON.stringify(metrics.environ)).toContain('ACTIONS_ID_TOKEN_REQUEST_TOKEN=***');

    const report = await repo.action('report', { experiment: 'leaky-metrics', token: GHS, commit: 'true' }, env);
    expect(report.code, report.stdout).toBe(0);
    const comment = github
      .comments(REPO, PR)
      .map((item) => item.body)
      .find((body) => body.includes('leaky-metrics'));
    const texts: Record<string, string> = {
      'results.json': results,
      'summary.md': await readFile(path.join(repo.work, 'results/leaky-metrics/summary.md'), 'utf8'),
      'report.html': await readFile(path.join(repo.work, 'results/leaky-metrics/report.html'), 'utf8'),
      'committed results.json': repo.git(repo.origin, 'show', `${BRANCH}:results/leaky-metrics/results.json`),
      comment: comment ?? '',
      'job summary': report.summary,
      'run log': run.stdout,
      'report log': report.stdout,
    };
    expect(texts.comment).not.toBe('');
    for (const [where, text] of Object.entries(texts))
      for (const secret of SECRETS) expect(text, `${secret} in ${where}`).not.toContain(secret);
  });
});
