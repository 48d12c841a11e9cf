// commitResults against a local bare repository: the push goes through only while the branch still
// points at the commit the run checked out.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { git, gitOrigin } from '@mxn/testkit';
import { describe, expect, it } from 'vitest';
import { commitResults } from './commit-results.js';

async function setup() {
  const { dir, origin, work } = await gitOrigin('exp', 'mxn-commit-');
  const planned = git(work, 'rev-parse', 'HEAD');
  // the runner checks out the planned sha (detached), and writes the results
  git(work, 'checkout', '--quiet', '--detach', planned);
  await mkdir(path.join(work, 'results/demo'), { recursive: true });
  await writeFile(path.join(work, 'results/demo/results.json'), '{"v":1}\n');
  await writeFile(path.join(work, 'results/demo/summary.md'), '# demo\n');
  return { dir, origin, work, planned };
}

describe('commitResults with expectedHead', () => {
  it('pushes the results on top of the planned commit while the branch still points at it', async () => {
    const { origin, work, planned } = await setup();
    const result = await commitResults({ cwd: work, experiment: 'demo', branch: 'exp', expectedHead: planned });
    expect(result).toMatchObject({ committed: true });
    expect(git(origin, 'rev-parse', 'exp')).toBe(result.sha);
    expect(git(origin, 'rev-parse', 'exp^')).toBe(planned);
  });

  it('pushes nothing when the branch has moved since the planned commit', async () => {
    const { dir, origin, work, planned } = await setup();
    const other = path.join(dir, 'other');
    git(dir, 'clone', '--quiet', '--branch', 'exp', origin, other);
    await writeFile(path.join(other, 'README.md'), 'a newer push\n');
    git(other, 'commit', '--quiet', '-am', 'newer');
    git(other, 'push', '--quiet', 'origin', 'exp');
    const moved = git(origin, 'rev-parse', 'exp');
    const result = await commitResults({ cwd: work, experiment: 'demo', branch: 'exp', expectedHead: planned });
    expect(result).toMatchObject({ committed: false, skipped: 'branch-moved' });
    expect(git(origin, 'rev-parse', 'exp')).toBe(moved);
  });
});

/** A results.json as a run writes it: `run` sets the run id and every time, `rmse` the one result. */
function resultsText(run: number, rmse: number, status: 'succeeded' | 'cached' = 'succeeded'): string {
  const at = (seconds: number) => new Date(Date.UTC(2026, 0, run, 0, 0, seconds)).toISOString();
  const results = {
    version: 1,
    experiment: 'demo',
    runId: `demo-run-${run}`,
    backend: 'local',
    runtime: 'process',
    startedAt: at(0),
    finishedAt: at(30),
    evaluation: { target: 'price', task: 'regression', metrics: ['rmse'] },
    variants: ['ridge'],
    datasets: ['seoul'],
    cells: [
      {
        id: 'ridge@seoul',
        model: 'ridge',
        variant: 'ridge',
        params: { alpha: 1 },
        dataset: 'seoul',
        key: 'k1',
        status,
        ...(status === 'cached' ? { fromCache: true } : {}),
        attempts: run,
        startedAt: at(1),
        finishedAt: at(20 + run),
        durationMs: 19_000 + run,
        metrics: { rmse },
        output: '.mxn/staging/cells/k1',
      },
    ],
    aggregate: { status: 'succeeded', attempts: 1, durationMs: 10 * run, output: `.mxn/staging/runs/demo-run-${run}/aggregate` },
    totals: { succeeded: status === 'succeeded' ? 1 : 0, failed: 0, cached: status === 'cached' ? 1 : 0, cancelled: 0 },
  };
  return `${JSON.stringify(results, null, 2)}\n`;
}

describe('commitResults when only run times differ', () => {
  it('commits the first run, not a second run of the same results, and a third run whose results changed', async () => {
    const { origin, work, planned } = await setup();
    const write = async (run: number, rmse: number, status?: 'cached') => {
      await writeFile(path.join(work, 'results/demo/results.json'), resultsText(run, rmse, status));
      await writeFile(path.join(work, 'results/demo/summary.md'), `# demo\nrun demo-run-${run}, ${run}.0 s\n`);
    };
    await write(1, 0.25);
    const first = await commitResults({ cwd: work, experiment: 'demo', branch: 'exp', expectedHead: planned });
    expect(first).toMatchObject({ committed: true });

    // the same results, run again: new run id, times, attempts, aggregate folder, and the cell served from the cache
    await write(2, 0.25, 'cached');
    const second = await commitResults({ cwd: work, experiment: 'demo', branch: 'exp', expectedHead: first.sha });
    expect(second).toEqual({ committed: false, skipped: 'times-only' });
    expect(git(origin, 'rev-parse', 'exp')).toBe(first.sha);
    expect(git(origin, 'rev-list', '--count', 'exp')).toBe('2');

    // the files exactly as committed: nothing to commit either
    git(work, 'checkout', '--quiet', '--', 'results');
    expect(await commitResults({ cwd: work, experiment: 'demo', branch: 'exp', expectedHead: first.sha })).toEqual({
      committed: false,
      skipped: 'unchanged',
    });

    await write(3, 0.24);
    const third = await commitResults({ cwd: work, experiment: 'demo', branch: 'exp', expectedHead: first.sha });
    expect(third).toMatchObject({ committed: true });
    expect(git(origin, 'rev-parse', 'exp')).toBe(third.sha);
    expect(JSON.parse(git(origin, 'show', 'exp:results/demo/results.json')).cells[0].metrics.rmse).toBe(0.24);
  });
});
