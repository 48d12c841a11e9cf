// Failures you can read and run history, end to end through the mxn CLI (process runtime): a failing
// cell's stderr tail in the terminal and in `mxn logs`, cached failures in plan and progress, the
// retry rule, `--only` with alternatives, run records with a merged results.json, and baselines.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { e2eProject, repoRoot } from './support/project.js';

const model = `import { readTaskInputs, writePredictions } from '@mxn/model-kit';
const { train, test, target } = await readTaskInputs();
const params = JSON.parse(process.env.MXN_PARAMS);
console.log('training on ' + process.env.MXN_DATASET);
if (params.failOn === process.env.MXN_DATASET) {
  for (let i = 1; i <= 30; i++) console.error('boom line ' + i);
  process.exit(3);
}
const y = train.columns[target];
let sum = 0;
for (const value of y) sum += value;
await writePredictions(new Float64Array(test.numRows).fill(sum / y.length));
`;

const experiment = (name: string, task = 'regression') => `name: ${name}
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: mean, build: models/mean, command: [node, train.js] }
  - { name: broken, build: models/mean, command: [node, train.js], params: { failOn: daegu } }
evaluation: { target: price, task: ${task}, metrics: [rmse] }
compute: { concurrency: 2, retries: 2, runtime: process }
`;

/** A project with its own copy of two regions' data (a dataset must not be a link out of the project). */
async function createProject(name: string) {
  const created = await e2eProject(['node_modules']);
  await mkdir(created.file('data/housing'), { recursive: true });
  for (const region of ['seoul', 'daegu'])
    await copyFile(path.join(repoRoot, 'data/housing', `${region}.parquet`), created.file(`data/housing/${region}.parquet`));
  await created.model('mean', model);
  await created.experiment(name, experiment(name));
  return created;
}

describe('failures you can read, and run history', () => {
  it('shows the stderr tail once, keeps it for mxn logs, counts cached failures alike, and keeps every run', {
    timeout: 120_000,
  }, async () => {
    const project = await createProject('history');

    // A baseline that cannot be used is refused before anything runs.
    const noBaseline = await project.mxn(['run', 'experiments/history.yaml', '--baseline', 'previous']);
    expect(noBaseline.code).toBe(2);
    expect(noBaseline.stderr).toMatch(/^error --baseline previous: no earlier run of history is kept in /m);
    expect(noBaseline.stderr).not.toContain('training');

    const first = await project.mxn(['run', 'experiments/history.yaml']);
    expect(first.code).toBe(1);
    // The last 20 of 30 stderr lines, once, under the failed cell; a model's own exit is not retried.
    expect(first.stderr).toContain('stderr of broken@daegu, attempt 1 (last 20 lines):');
    expect(first.stderr).toMatch(/│ boom line 11\n[\s\S]*│ boom line 30\n/);
    expect(first.stderr).not.toContain('boom line 10\n');
    expect(first.stderr.match(/│ boom line 30/g)).toHaveLength(1);
    expect(first.stderr).not.toMatch(/retrying/);
    const broken = (await project.results('history')).cells.find((cell) => cell.id === 'broken@daegu');
    expect(broken).toMatchObject({ status: 'failed', attempts: 1, exitCode: 3 });

    const logs = await project.mxn(['logs', 'experiments/history.yaml', 'model=broken,dataset=daegu']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^== broken@daegu \(failed, attempt 1 of 1\)/m);
    expect(logs.stdout).toContain('-- stdout\ntraining on daegu\n-- stderr\nboom line 1\n');
    expect(logs.stdout).toContain('boom line 30\n');
    const byId = await project.mxn(['logs', 'experiments/history.yaml', 'mean@seoul']);
    expect(byId.stdout).toContain('training on seoul');
    const noAttempt = await project.mxn(['logs', 'experiments/history.yaml', 'broken@daegu', '--attempt', '2']);
    expect(noAttempt.code).toBe(2);
    expect(noAttempt.stderr).toMatch(/no logs of attempt 2 of broken@daegu: its run made 1 attempt/);

    const plan = await project.mxn(['plan', 'experiments/history.yaml']);
    expect(plan.stdout).toMatch(/broken\s+cached\s+failed \(cached\)/);
    expect(plan.stdout).toContain('0 to run, 3 cached, 1 failed (cached)');
    expect(plan.stdout).toContain('1 cached failure: --rerun failed runs them again');

    const second = await project.mxn(['run', 'experiments/history.yaml', '--baseline', 'previous']);
    expect(second.code).toBe(1);
    // The progress line and the closing count line say the same.
    expect(second.stderr).toMatch(/0 tasks: 0 succeeded · 3 cached · 1 failed \(cached\)/);
    expect(second.stdout).toContain('0 succeeded, 3 cached, 1 failed (1 cached), 0 cancelled');
    expect(await readFile(project.file('results/history/summary.md'), 'utf8')).toMatch(/\*\*4 cells\*\*: 3 cached · 1 failed · /);
    expect(second.stdout).toMatch(/failed broken@daegu: exit code 3 \(failed \(cached\); --rerun failed runs it again\)/);

    // --only: one key given twice means either value; its exit code is the selected cells' only.
    const only = await project.mxn(['run', 'experiments/history.yaml', '--only', 'model=mean,dataset=seoul,dataset=daegu']);
    expect(only.code).toBe(0);
    expect(only.stderr).toContain('2 cells (0 to run, 2 cached)');
    expect(only.stdout).toContain('0 succeeded, 2 cached, 0 failed, 0 cancelled');

    // Three runs, three records; results.json is still the whole matrix.
    const records = await readdir(project.file('results/history/runs'));
    expect(records).toHaveLength(3);
    const latest = await project.results('history');
    expect(latest.cells.map((cell) => cell.id).sort()).toEqual(['broken@daegu', 'broken@seoul', 'mean@daegu', 'mean@seoul']);

    const report = await project.mxn(['report', 'results/history/results.json', '--baseline', 'previous']);
    expect(report.code).toBe(0);
    expect(report.stderr).toMatch(/compared with run history-/);

    // A baseline of another experiment (here: another task) is refused with one line, exit 2.
    await mkdir(project.file('elsewhere'), { recursive: true });
    await writeFile(project.file('elsewhere/results.json'), JSON.stringify({ ...latest, experiment: 'other' }));
    const refused = await project.mxn(['report', 'results/history/results.json', '--baseline', 'elsewhere/results.json']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.split('\n')[0]).toMatch(
      /^error --baseline elsewhere\/results\.json is a run of experiment "other" \(regression of price\), not of experiment "history"/,
    );
  });

  it('compares with the run before as the merged view of its time, never with the run itself, and with a git ref', {
    timeout: 120_000,
  }, async () => {
    const project = await createProject('baselines');
    const run = (...args: string[]) => project.mxn(['run', 'experiments/baselines.yaml', ...args]);
    const report = (baseline: string) => project.mxn(['report', 'results/baselines/results.json', '--baseline', baseline]);
    const summary = () => readFile(project.file('results/baselines/summary.md'), 'utf8');
    expect((await run()).code).toBe(1);
    expect((await run('--only', 'dataset=seoul')).code).toBe(0);
    // a full run compared with the --only run: daegu's cells come from the run before that one, not "(new)"
    expect((await run('--rerun', 'all', '--baseline', 'previous')).code).toBe(1);
    expect(await summary()).toMatch(/Compared with run `baselines-/);
    expect(await summary()).not.toContain('(new)');

    // the two full runs share their run id (a hash of the plan): the reported run is never its own baseline
    const names = (await readdir(project.file('results/baselines/runs'))).map((name) => name.replace(/\.json$/, '')).sort();
    expect(names).toHaveLength(3);
    const { runId } = await project.results('baselines');
    expect(names.filter((name) => name.endsWith(`-${runId}`))).toEqual([names[0], names[2]]);
    const other = await report(runId);
    expect(other.code).toBe(0);
    expect(other.stderr).toContain(`compared with run ${runId} (started ${names[0]!.slice(0, 4)}-`);
    const startedOf = (name: string) => name.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)(\d{3})Z-.*$/, '$1-$2-$3T$4:$5:$6.$7Z');
    expect(other.stderr).toContain(`(started ${startedOf(names[0]!)})`);
    expect((await project.results('baselines')).startedAt).toBe(startedOf(names[2]!));

    // a third full run: the id names two other runs, and the error lists them to choose from
    expect((await run()).code).toBe(1);
    const latest = (await readdir(project.file('results/baselines/runs'))).map((name) => name.replace(/\.json$/, '')).sort();
    const ambiguous = await report(runId);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr.split('\n')[0]).toBe(`error --baseline ${runId}: 2 kept runs have that run id: ${names[0]}, ${names[2]}`);
    expect(ambiguous.stderr).not.toContain(latest.at(-1));
    const chosen = await report(names[2]!);
    expect(chosen.code).toBe(0);
    expect(chosen.stderr).toContain(`(started ${startedOf(names[2]!)})`);

    // a git ref: the results.json committed there
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: project.root,
        env: { ...process.env, GIT_AUTHOR_NAME: 'd', GIT_AUTHOR_EMAIL: 'd@e.x', GIT_COMMITTER_NAME: 'd', GIT_COMMITTER_EMAIL: 'd@e.x' },
      });
    const notRepo = await report('main');
    expect(notRepo.code).toBe(2);
    expect(notRepo.stderr.split('\n')[0]).toMatch(
      /^error --baseline main: no such run in .*, no such file, and as a git ref: .* is not in a git/,
    );
    git('init', '--quiet', '--initial-branch=main');
    const noResults = await report('main');
    expect(noResults.code).toBe(2);
    expect(noResults.stderr.split('\n')[0]).toMatch(/^error --baseline main: .*as a git ref: main is not a git ref/);
    git('add', 'results/baselines/results.json');
    git('commit', '--quiet', '-m', 'results');
    const committed = (await project.results('baselines')).startedAt;
    expect((await run()).code).toBe(1);
    const fromMain = await report('main');
    expect(fromMain.code).toBe(0);
    expect(fromMain.stderr).toContain(`compared with run ${runId} (started ${committed})`);
  });

  it('refuses --verbose when more than one cell would run, and streams one cell', { timeout: 60_000 }, async () => {
    const project = await createProject('verbose');
    const many = await project.mxn(['run', 'experiments/verbose.yaml', '--verbose']);
    expect(many.code).toBe(2);
    expect(many.stderr).toMatch(/^error live output \(--verbose\) follows one cell, and 4 cells of verbose would run\nhint: .*--only/m);
    const one = await project.mxn(['run', 'experiments/verbose.yaml', '--verbose', '--only', 'model=mean,dataset=seoul']);
    expect(one.code).toBe(0);
    expect(one.stderr).toContain('training on seoul');
  });

  it('retries a model failure only when the experiment asks, and keeps each attempt for mxn logs --attempt', {
    timeout: 60_000,
  }, async () => {
    const project = await createProject('retried');
    await project.experiment('retried', experiment('retried').replace('retries: 2,', 'retries: 1, retryModelFailures: true,'));
    const run = await project.mxn(['run', 'experiments/retried.yaml', '--only', 'model=broken,dataset=daegu']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('stderr of broken@daegu, attempt 1 (last 20 lines):');
    expect(run.stderr).toContain('stderr of broken@daegu, attempt 2 (last 20 lines):');
    const first = await project.mxn(['logs', 'experiments/retried.yaml', 'broken@daegu', '--attempt', '1']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^== broken@daegu \(failed, attempt 1 of 2\) .*attempts\/1$/m);
    expect(first.stdout).toContain('boom line 30');
  });
});
