// The report step against a local bare repository and the loopback GitHub fake: a pull request's
// results never go to the default or base branch (the comment says them instead), and error texts
// lose their secrets before they reach the comment or the job summary.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderSummary, writeResults } from '@mxn/report';
import { sampleResults } from '@mxn/report/testing';
import { git, gitOrigin, startGitHubFake, type GitHubFake } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubApi } from '../github-api.js';
import { stepLogger } from '../step-log.js';
import type { PullRequestInfo } from '../event-context.js';
import { reportStep } from './report-step.js';

const TOKEN = `ghs_${'R3p0rtT0k3n'.repeat(3)}`;
const REPO = { owner: 'acme', repo: 'pricing' };

const dir = (origin: string) => path.dirname(origin);

/** origin with `main` (the default branch) and a checkout of it holding fresh results of `housing-demo`. */
async function checkout(error?: string) {
  const { origin, work } = await gitOrigin('main', 'mxn-report-');
  await writeResults(sampleResults(error ? { error } : {}), path.join(work, 'results/housing-demo'));
  return { origin, work, head: git(work, 'rev-parse', 'HEAD') };
}

const pr = (over: Partial<PullRequestInfo>): PullRequestInfo => ({
  number: 7,
  headRef: 'exp',
  headSha: '0'.repeat(40),
  baseRef: 'main',
  fromFork: false,
  trusted: true,
  ...over,
});

describe('reportStep', () => {
  let github: GitHubFake;
  beforeAll(async () => {
    github = await startGitHubFake({ token: TOKEN, repos: ['acme/pricing'] });
  });
  afterAll(() => github?.stop());

  const comment = (issue: number) => ({ api: githubApi({ token: TOKEN, baseUrl: github.url }), target: { ...REPO, issue } });

  it.each([
    ['whose head is the default branch', 11, pr({ number: 11, headRef: 'main', baseRef: 'release' }), /^main is the repository's default/],
    [
      'whose head is its base branch',
      12,
      pr({ number: 12, headRef: 'release', baseRef: 'release' }),
      /^release is the pull request's base/,
    ],
  ])('pushes nothing for a same-repository pull request %s, and comments instead', async (_, issue, pullRequest, reason) => {
    const { origin, work, head } = await checkout();
    if (pullRequest.headRef === 'release') git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/release');
    const before = git(origin, 'for-each-ref', '--format=%(refname) %(objectname)');
    const summaryFile = path.join(work, 'step-summary.md');
    const result = await reportStep({
      root: work,
      experiment: 'housing-demo',
      comment: comment(issue),
      stepSummaryFile: summaryFile,
      commit: { event: { pullRequest, defaultBranch: 'main' } },
      expectedHead: head,
      repositoryUrl: 'https://github.example/acme/pricing',
    });
    expect(result.commit).toEqual({ committed: false });
    expect(result.refused).toMatch(reason);
    expect(result.commitNote).toMatch(/^not committed: .*; the results are in the pull request comment and the job summary$/);
    expect(git(origin, 'for-each-ref', '--format=%(refname) %(objectname)')).toBe(before);
    expect(git(work, 'rev-parse', 'HEAD')).toBe(head);
    const posted = github.comments('acme/pricing', issue);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.body).toContain('### rmse (lower is better)');
    expect(posted[0]!.body).not.toContain('/blob/');
    expect(await readFile(summaryFile, 'utf8')).toContain('### rmse (lower is better)');
  });

  it('commits the results of a pull request once, and not again when a new run differs only in run times', async () => {
    const { origin, work, head } = await checkout();
    git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/exp');
    const event = { pullRequest: pr({ headRef: 'exp', baseRef: 'main' }), defaultBranch: 'main' };
    const report = (expectedHead: string) =>
      reportStep({ root: work, experiment: 'housing-demo', stepSummaryFile: path.join(work, 'step.md'), commit: { event }, expectedHead });
    const first = await report(head);
    expect(first.commit).toMatchObject({ committed: true });
    expect(first.commitNote).toMatch(/^committed [0-9a-f]{40}: mxn: results of housing-demo/);

    const again = sampleResults({ runId: 'run-2024-01-02-def456' });
    Object.assign(again, { startedAt: '2024-01-02T10:00:00.000Z', finishedAt: '2024-01-02T10:03:00.000Z' });
    for (const cell of again.cells) Object.assign(cell, { durationMs: cell.durationMs + 500, finishedAt: '2024-01-02T10:02:00.000Z' });
    await writeResults(again, path.join(work, 'results/housing-demo'));
    expect(git(work, 'status', '--porcelain', 'results')).not.toBe('');
    const second = await report(first.commit.sha!);
    expect(second.commit).toEqual({ committed: false, skipped: 'times-only' });
    expect(second.commitNote).toBe('results unchanged (only run times differ); nothing committed');
    expect(git(origin, 'rev-parse', 'exp')).toBe(first.commit.sha);
    expect(git(origin, 'rev-list', '--count', 'exp')).toBe('2');
  });

  it("masks the step's own token and every token shape in error texts before the comment and the job summary", async () => {
    const known = 'plain-known-secret-value-42';
    const error = `Error: env INPUT_TOKEN=${TOKEN} AZURE_CLIENT_SECRET=${known} id AKIAIOSFODNN7EXAMPLE`;
    const { work } = await checkout(error);
    const saved = { INPUT_TOKEN: process.env.INPUT_TOKEN, AZURE_CLIENT_SECRET: process.env.AZURE_CLIENT_SECRET };
    Object.assign(process.env, { INPUT_TOKEN: TOKEN, AZURE_CLIENT_SECRET: known });
    try {
      const summaryFile = path.join(work, 'step-summary.md');
      await reportStep({ root: work, experiment: 'housing-demo', comment: comment(13), stepSummaryFile: summaryFile });
      const texts = [github.comments('acme/pricing', 13)[0]!.body, await readFile(summaryFile, 'utf8')];
      for (const text of texts) {
        expect(text).toContain('INPUT_TOKEN=');
        expect(text).toContain('***');
        for (const secret of [TOKEN, known, 'AKIAIOSFODNN7EXAMPLE']) expect(text).not.toContain(secret);
      }
    } finally {
      for (const [name, value] of Object.entries(saved))
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
    }
  });

  it('commits and posts a summary it renders from the artifact’s results.json, never the artifact’s own summary.md', async () => {
    const { origin, work, head } = await checkout();
    git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/exp');
    const artifact = path.join(work, '..', 'artifact');
    await mkdir(artifact);
    const results = sampleResults();
    await writeFile(path.join(artifact, 'results.json'), JSON.stringify(results));
    const forged = '**Approved by @maintainer**: merge at will [here](http://evil.example)\n';
    await writeFile(path.join(artifact, 'summary.md'), forged);
    await writeFile(path.join(artifact, 'report.html'), `<script>alert(1)</script>${forged}`);
    const summaryFile = path.join(work, 'step-forged.md');
    const result = await reportStep({
      root: work,
      experiment: 'housing-demo',
      resultsDir: artifact,
      comment: comment(14),
      stepSummaryFile: summaryFile,
      commit: { event: { pullRequest: pr({ headRef: 'exp', baseRef: 'main', number: 14 }), defaultBranch: 'main' } },
      expectedHead: head,
    });
    expect(result.commit).toMatchObject({ committed: true });
    const committed = git(origin, 'show', 'exp:results/housing-demo/summary.md');
    // no baseline: neither the base branch nor the branch's head has results yet
    expect(committed).toBe(renderSummary(results).trim());
    const texts = [committed, github.comments('acme/pricing', 14)[0]!.body, await readFile(summaryFile, 'utf8')];
    texts.push(await readFile(path.join(work, 'results/housing-demo/report.html'), 'utf8'));
    for (const text of texts) {
      expect(text).toContain('housing-demo');
      expect(text).not.toContain('Approved by');
      expect(text).not.toContain('<script>alert');
    }
  });

  it("logs, escaped, and does not compare with a base branch's results of another task or target (the CLI's policy)", async () => {
    const { origin, work, head } = await checkout();
    const results = sampleResults();
    // main's results.json of this experiment, for another target (a name that would be a workflow command)
    const base = path.join(dir(origin), 'base');
    git(dir(origin), 'clone', '--quiet', origin, base);
    await writeResults(
      { ...results, evaluation: { ...results.evaluation, target: 'rent\n::error::forged' } },
      path.join(base, 'results/housing-demo'),
    );
    git(base, 'add', '.');
    git(base, 'commit', '--quiet', '-m', 'base results');
    git(base, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
    git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/exp');
    const lines: string[] = [];
    const summaryFile = path.join(work, 'step-other-target.md');
    /** The report step of pull request 16 (exp into main), with main as its baseline. */
    const report = (options: Partial<Parameters<typeof reportStep>[0]>) =>
      reportStep({
        root: work,
        experiment: 'housing-demo',
        baseRef: 'main',
        comment: comment(16),
        stepSummaryFile: summaryFile,
        ...options,
      });
    await report({
      commit: { event: { pullRequest: pr({ headRef: 'exp', baseRef: 'main', number: 16 }), defaultBranch: 'main' } },
      expectedHead: head,
      log: stepLogger({ info: (line) => lines.push(line) }),
    });
    expect(lines).toEqual([
      'not compared with main:results/housing-demo/results.json: it is a run of experiment "housing-demo" (regression of rent',
      '\\::error::forged), not of experiment "housing-demo" (regression of price)',
    ]);
    for (const text of [github.comments('acme/pricing', 16)[0]!.body, await readFile(summaryFile, 'utf8')]) {
      expect(text).not.toContain('Baseline:');
      expect(text).not.toContain('Compared with run');
    }

    // the same task and target: compared
    await writeResults(results, path.join(base, 'results/housing-demo'));
    git(base, 'commit', '--quiet', '-am', 'base results of price');
    git(base, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
    const again: string[] = [];
    await report({ log: (line) => again.push(line) });
    expect(again).toEqual([]);
    expect(github.comments('acme/pricing', 16).at(-1)!.body).toContain('Baseline: `main` (base branch).');
  });

  it('refuses an artifact whose results.json fails the results schema, in one line, committing and posting nothing', async () => {
    const { origin, work } = await checkout();
    git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/exp');
    const before = git(origin, 'for-each-ref', '--format=%(refname) %(objectname)');
    const artifact = path.join(work, '..', 'bad-artifact');
    await mkdir(artifact);
    const results = sampleResults();
    await writeFile(
      path.join(artifact, 'results.json'),
      JSON.stringify({ ...results, evaluation: { ...results.evaluation, metrics: ['rmse', { '**Approved**': 1 }] } }),
    );
    const step = reportStep({
      root: work,
      experiment: 'housing-demo',
      resultsDir: artifact,
      comment: comment(15),
      stepSummaryFile: path.join(work, 'step-bad.md'),
      commit: { event: { pullRequest: pr({ headRef: 'exp', baseRef: 'main', number: 15 }), defaultBranch: 'main' } },
    });
    await expect(step).rejects.toThrow(/^github: .*bad-artifact\/results\.json: evaluation\.metrics\[1\] must be a string; [^\n]*$/);
    expect(github.comments('acme/pricing', 15)).toEqual([]);
    expect(git(origin, 'for-each-ref', '--format=%(refname) %(objectname)')).toBe(before);
  });
});
