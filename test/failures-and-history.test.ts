// Failures you can read and run history, end to end through the mxn CLI (process runtime): a failing
// cell's stderr tail in the terminal and in `mxn logs`, cached failures in plan and progress, the
// retry rule, `--only` with alternatives, run records with a merged results.json, and baselines.
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
