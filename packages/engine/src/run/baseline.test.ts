import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExperimentResults } from '@mxn/core';
import { writeResults } from '@mxn/report';
import { sampleResults } from '@mxn/report/testing';
import { git } from '@mxn/testkit';
import { describe, expect, it } from 'vitest';
import { resolveBaseline } from './baseline.js';
import { resultsAtGitRef } from './results-at-git-ref.js';
import { runRecordNames, writeRunRecord } from './run-history.js';

const at = (minute: number, runId = `run-${minute}`): ExperimentResults => ({
  ...sampleResults(),
  runId,
  startedAt: new Date(Date.UTC(2026, 10, 30, 10, minute)).toISOString(),
});

describe('resolveBaseline', () => {
  it('finds the previous run or a run id, and refuses another experiment or task with one line', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mxn-baseline-'));
    for (const minute of [1, 2, 3]) await writeRunRecord(dir, at(minute));
    expect((await resolveBaseline('previous', { resultsDir: dir, current: at(3) })).runId).toBe('run-2');
    expect((await resolveBaseline('previous', { resultsDir: dir, current: at(9) })).runId).toBe('run-3');
    expect((await resolveBaseline('run-1', { resultsDir: dir, current: at(3) })).runId).toBe('run-1');
    await expect(resolveBaseline('previous', { resultsDir: dir, current: at(1) })).rejects.toThrow(/no earlier run of .* is kept in/);
    await expect(resolveBaseline('run-8', { resultsDir: dir, current: at(3) })).rejects.toThrow(
      /no such run in .*, no such file, and as a git/,
    );

    const other = path.join(dir, 'other.json');
    await writeFile(other, JSON.stringify({ ...at(0), experiment: 'other' }));
    await expect(resolveBaseline(other, { resultsDir: dir, current: at(3) })).rejects.toThrow(/is a run of experiment "other"/);
    const task = { ...at(3), evaluation: { ...at(3).evaluation, task: 'classification' as const } };
    await expect(resolveBaseline('previous', { resultsDir: dir, current: task })).rejects.toThrow(/refusing to compare them/);
  });

  it('never takes the run being reported for its own baseline; a run id several runs share asks for a record name', async () => {
    // an unchanged plan has one run id: three runs of it, the last one being reported
    const dir = await mkdtemp(path.join(tmpdir(), 'mxn-baseline-'));
    for (const minute of [1, 2, 3]) await writeRunRecord(dir, { ...at(minute, 'a-1234'), description: `run at ${minute}` });
    const current = at(3, 'a-1234');
    const [first, second, third] = await runRecordNames(dir);
    const ambiguous = resolveBaseline('a-1234', { resultsDir: dir, current });
    await expect(ambiguous).rejects.toThrow(`--baseline a-1234: 2 kept runs have that run id: ${first}, ${second}`);
    await expect(ambiguous).rejects.not.toThrow(third!);
    expect((await resolveBaseline(second!, { resultsDir: dir, current })).description).toBe('run at 2');
    expect((await resolveBaseline(first!, { resultsDir: dir, current })).description).toBe('run at 1');
    await expect(resolveBaseline(third!, { resultsDir: dir, current })).rejects.toThrow(
      `--baseline ${third} is the run being reported (${third}), and no other kept run has it`,
    );

    // one other run with the id: that one, never the reported run's own record
    const two = await mkdtemp(path.join(tmpdir(), 'mxn-baseline-'));
    for (const minute of [1, 3]) await writeRunRecord(two, { ...at(minute, 'a-1234'), description: `run at ${minute}` });
    expect((await resolveBaseline('a-1234', { resultsDir: two, current })).description).toBe('run at 1');
    const alone = await mkdtemp(path.join(tmpdir(), 'mxn-baseline-'));
    await writeRunRecord(alone, current);
    await expect(resolveBaseline('a-1234', { resultsDir: alone, current })).rejects.toThrow(/is the run being reported/);
  });

  it("compares with a git ref's committed results.json of the same experiment, and says in one line when there is none", async () => {
    const repo = await mkdtemp(path.join(tmpdir(), 'mxn-baseline-git-'));
    git(repo, 'init', '--quiet', '--initial-branch=main');
    const resultsDir = path.join(repo, 'results/housing-demo');
    await writeResults({ ...at(1), description: 'on main' }, resultsDir);
    await mkdir(path.join(repo, 'results/other'), { recursive: true });
    await writeFile(path.join(repo, 'results/other/results.json'), JSON.stringify({ ...at(1), experiment: 'other' }));
    git(repo, 'add', '.');
    git(repo, 'commit', '--quiet', '-m', 'results');
    // the working tree moves on: the baseline is what main holds
    await writeResults({ ...at(5), description: 'working tree' }, resultsDir);
    const current = at(5);

    expect((await resolveBaseline('main', { resultsDir, current })).description).toBe('on main');
    expect((await resolveBaseline('HEAD', { resultsDir, current })).description).toBe('on main');
    // a folder named like the branch where mxn runs is no results file: the ref is still read from git
    await mkdir(path.join(repo, 'main'));
    const cwd = process.cwd();
    process.chdir(repo);
    try {
      expect((await resolveBaseline('main', { resultsDir, current })).description).toBe('on main');
    } finally {
      process.chdir(cwd);
    }
    await expect(resolveBaseline('nope', { resultsDir, current })).rejects.toThrow(
      /^--baseline nope: no such run in .*, no such file, and as a git ref: nope is not a git ref of .*'s repository$/,
    );
    // a folder of results the ref does not have
    const fresh = path.join(repo, 'results/fresh');
    await expect(resolveBaseline('main', { resultsDir: fresh, current })).rejects.toThrow(/main has no results\/fresh\/results\.json$/);
    // another experiment's results at the ref are refused as any other baseline is
    const other = await resultsAtGitRef(repo, 'main', 'results/other/results.json');
    expect('results' in other && other.results.experiment).toBe('other');
    await expect(resolveBaseline('main', { resultsDir: path.join(repo, 'results/other'), current })).rejects.toThrow(
      /^--baseline main \(results\/other\/results\.json at main\) is a run of experiment "other" .*: refusing to compare them$/,
    );

    const outside = await mkdtemp(path.join(tmpdir(), 'mxn-baseline-nogit-'));
    await expect(resolveBaseline('main', { resultsDir: outside, current })).rejects.toThrow(/is not in a git repository$/);
    expect(await resultsAtGitRef(repo, '--output=x', 'results/other/results.json')).toEqual({ missing: '--output=x is not a git ref' });
  });
});
