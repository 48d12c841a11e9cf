// End to end: parquet as teams write it (zstd, brotli and lz4 from pyarrow, pandas with its index) and a
// CSV written by pandas with its index, through validate, plan and run; and a stratified split through
// run, whose sides each keep the class proportions, counted in the plan and in the summary.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeParquet } from '@mxn/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { e2eProject, repoRoot, type E2eProject } from './support/project.js';

const run = promisify(execFile);

/**
 * A Python with pyarrow and pandas: the system one when it has them, else the venv the data package's
 * tests make (packages/data/src/test-support/pyarrow.ts), made here the same way when it is missing.
 */
async function pyarrowPython(): Promise<string> {
  const system = process.env.MXN_PYTHON ?? 'python3';
  const imports = (python: string) =>
    run(python, ['-c', 'import pyarrow, pandas']).then(
      () => true,
      () => false,
    );
  if (await imports(system)) return system;
  const venv = path.join(repoRoot, '.mxn', 'test-python', 'pyarrow-25.0.1');
  const python = path.join(venv, 'bin', 'python');
  if (existsSync(python) && (await imports(python))) return python;
  await run(system, ['-m', 'venv', venv]);
  await run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', 'pyarrow==25.0.1', 'pandas==2.3.3'], { maxBuffer: 16 << 20 });
  return python;
}

/** Seoul's rows as pyarrow and pandas write them: python <seoul.parquet> <out folder>. */
const WRITE = `
import sys, pyarrow.parquet as pq
seoul, out = sys.argv[1], sys.argv[2]
table = pq.read_table(seoul)
for codec in ["zstd", "brotli", "lz4"]:
    pq.write_table(table, f"{out}/seoul-{codec}.parquet", compression=codec)
frame = table.to_pandas()
frame.index = frame.index + 1000  # not a RangeIndex: pandas writes it as __index_level_0__
frame.to_parquet(f"{out}/seoul-indexed.parquet")
frame.to_csv(f"{out}/seoul-indexed.csv")  # the index as an unnamed first column
`;

const formats = `name: formats
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: zstd, train: inputs/seoul-zstd.parquet }
  - { name: brotli, train: inputs/seoul-brotli.parquet }
  - { name: lz4, train: inputs/seoul-lz4.parquet }
  - { name: indexed, train: inputs/seoul-indexed.parquet }
  - { name: indexed-csv, train: inputs/seoul-indexed.csv }
models:
  - { name: ridge, build: models/ridge, command: [node, train.js], params: { alpha: 1 } }
evaluation:
  target: price
  metrics: [rmse, r2]
  split: { test: 0.2, seed: 42 }
compute: { concurrency: 3, retries: 0, timeout: 2m }
`;

describe('parquet and CSV as pyarrow and pandas write them, end to end', () => {
  let project: E2eProject;
  beforeAll(async () => {
    project = await e2eProject();
    const python = await pyarrowPython();
    await import('node:fs/promises').then((fs) => fs.mkdir(project.file('inputs')));
    await run(python, ['-c', WRITE, project.file('data/housing/seoul.parquet'), project.file('inputs')]);
  }, 300_000);

  it('validates, plans and runs zstd, brotli, lz4 and pandas-indexed files with the same scores as the snappy original', async () => {
    await project.experiment('formats', formats);
    const valid = await project.mxn(['validate', 'experiments/formats.yaml']);
    expect([valid.code, valid.stdout.trim()]).toEqual([0, 'ok formats: 6 datasets, 1 models (1 variants), 6 cells']);

    const plan = await project.mxn(['plan', 'experiments/formats.yaml']);
    expect(plan.code).toBe(0);
    // pandas' index is no column of the CSV: the types start at the first named column
    expect(plan.stdout).toContain('indexed-csv (CSV) columns: district: string, building_type: string, area_m2: double');
    expect(plan.stdout).toContain('zstd: random: 20% test, seed 42 · 8000 rows: 6400 train / 1600 test');

    const run = await project.mxn(['run', 'experiments/formats.yaml']);
    expect([run.code, run.stderr]).toEqual([0, expect.any(String)]);
    const results = await project.results('formats');
    const cells = new Map(results.cells.map((cell) => [cell.dataset, cell]));
    const seoul = cells.get('seoul')!;
    expect(seoul.status).toBe('succeeded');
    for (const name of ['zstd', 'brotli', 'lz4', 'indexed', 'indexed-csv']) {
      const cell = cells.get(name)!;
      expect([name, cell.status]).toEqual([name, 'succeeded']);
      // the same rows and features (no index column among them), so the same split gives the same model
      expect([name, cell.modelMetrics?.features]).toEqual([name, seoul.modelMetrics?.features]);
      expect([name, cell.metrics.rmse]).toEqual([name, expect.closeTo(seoul.metrics.rmse!, 6)]);
    }
  });
});

/** Reads train.parquet and writes how many rows of each class the model was given; predicts the majority class. */
const COUNTING_MODEL = `
import { runTask, writeModelMetrics, writePredictions } from '@mxn/model-kit';
await runTask(async ({ train, test, target }) => {
  const counts = {};
  for (const value of train.columns[target]) counts[value] = (counts[value] ?? 0) + 1;
  const majority = Object.entries(counts).sort((a, b) => b[1] - a[1])[0][0];
  await writePredictions(Array.from({ length: test.numRows }, () => majority), { expectedRows: test.numRows });
  await writeModelMetrics({ train_rows: train.numRows, test_rows: test.numRows, ...Object.fromEntries(
    Object.entries(counts).map(([label, n]) => ['train_' + label, n]),
  ) });
});
`;

const stratified = `name: strata
datasets:
  - { name: churn, train: inputs/churn.parquet }
models:
  - { name: counts, build: models/counts, command: [node, train.js] }
evaluation:
  target: churned
  task: classification
  metrics: [accuracy]
  split: { stratify: true, test: 0.25, seed: 9 }
compute: { concurrency: 1, retries: 0, timeout: 2m }
`;

describe('a stratified split, end to end', () => {
  it('keeps each class’s share on both sides, and the plan and the summary count the sides', async () => {
    const project = await e2eProject(['node_modules']);
    // 400 rows in three classes of 240, 120 and 40 rows (60%, 30%, 10%), interleaved.
    const classes = Array.from({ length: 400 }, (_, i) => (i % 10 < 6 ? 'stay' : i % 10 < 9 ? 'left' : 'paused'));
    const table = {
      names: ['tenure', 'churned'],
      columns: { tenure: Float64Array.from({ length: 400 }, (_, i) => i % 37), churned: classes },
      numRows: 400,
    };
    await import('node:fs/promises').then((fs) => fs.mkdir(project.file('inputs')));
    await import('node:fs/promises').then((fs) => fs.writeFile(project.file('inputs/churn.parquet'), writeParquet(table)));
    await project.model('counts', COUNTING_MODEL);
    await project.experiment('strata', stratified);

    const plan = await project.mxn(['plan', 'experiments/strata.yaml']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('churn: stratified by class: 25% test, seed 9 · 400 rows: 300 train / 100 test');

    const run = await project.mxn(['run', 'experiments/strata.yaml']);
    expect([run.code, run.stderr]).toEqual([0, expect.any(String)]);
    const [cell] = (await project.results('strata')).cells;
    expect(cell?.status).toBe('succeeded');
    // 25% of each class held out: 60, 30 and 10 test rows, so each side keeps 60/30/10
    expect(cell?.modelMetrics).toMatchObject({ train_rows: 300, test_rows: 100, train_stay: 180, train_left: 90, train_paused: 30 });
    // the majority class is 60% of the test side too
    expect(cell?.metrics.accuracy).toBeCloseTo(0.6, 10);
    const summary = await readFile(path.join(project.root, 'results/strata/summary.md'), 'utf8');
    expect(summary).toContain('300 train / 100 test rows');
  });
});
