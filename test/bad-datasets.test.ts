// End to end: a damaged dataset and one without target values fail only their own cells; a CSV
// dataset is converted at staging and runs; the healthy cells run and results.json is written.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { readParquetFile, writeParquet, type Table } from '@mxn/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { e2eProject, type E2eProject } from './support/project.js';

const experiment = `name: bad-data
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: homes, train: inputs/seoul.csv.gz }
  - { name: damaged, train: inputs/damaged.parquet }
  - { name: unpriced, train: inputs/unpriced.parquet }
models:
  - { name: ridge, build: models/ridge, command: [node, train.js], params: { alpha: [0.1, 10] } }
evaluation:
  target: price
  metrics: [rmse, r2]
  split: { test: 0.2, seed: 42 }
compute: { concurrency: 2, retries: 1, timeout: 2m }
`;

/** A table as CSV text: strings quoted (quotes doubled), nulls and NaN as empty fields. */
function toCsv(table: Table): string {
  const cell = (value: string | number | null) =>
    value === null || (typeof value === 'number' && Number.isNaN(value))
      ? ''
      : typeof value === 'number'
        ? String(value)
        : `"${value.replace(/"/g, '""')}"`;
  const rows = Array.from({ length: table.numRows }, (_, i) => table.names.map((name) => cell(table.columns[name]![i] ?? null)).join(','));
  return `${table.names.join(',')}\n${rows.join('\n')}\n`;
}

describe('datasets that cannot be used, in a run with healthy ones', () => {
  let project: E2eProject;
  beforeAll(async () => {
    project = await e2eProject();
    const seoul = await readParquetFile(project.file('data/housing/seoul.parquet'));
    await mkdir(project.file('inputs'));
    await writeFile(project.file('inputs/seoul.csv.gz'), gzipSync(toCsv(seoul)));
    // A valid footer over damaged pages: validation reads only the footer, so only staging finds out.
    const damaged = writeParquet(seoul);
    damaged.fill(0xff, 4, 68);
    await writeFile(project.file('inputs/damaged.parquet'), damaged);
    const unpriced = { ...seoul, columns: { ...seoul.columns, price: new Float64Array(seoul.numRows).fill(NaN) } };
    await writeFile(project.file('inputs/unpriced.parquet'), writeParquet(unpriced));
  });

  it('fails the bad datasets’ cells with one line naming the dataset and the fix, runs the others, and writes results', async () => {
    await project.experiment('bad-data', experiment);
    // The footer's null count shows the target has no value: validate refuses it (the damaged pages it cannot see).
    const unpricedLine =
      'target column "price" has no value in any of the 8000 rows of inputs/unpriced.parquet; ' +
      'fill in the target, or choose another evaluation.target';
    const valid = await project.mxn(['validate', 'experiments/bad-data.yaml']);
    expect([valid.code, valid.stderr.trim().split('\n')[0]]).toEqual([2, `experiments/bad-data.yaml:6:30: ${unpricedLine}`]);
    expect(valid.stderr).not.toContain('damaged');

    const run = await project.mxn(['run', 'experiments/bad-data.yaml']);
    expect(run.code).toBe(1);
    const results = await project.results('bad-data');
    const byDataset = (name: string) => results.cells.filter((cell) => cell.dataset === name);
    for (const name of ['seoul', 'homes']) {
      expect(byDataset(name).map((cell) => cell.status)).toEqual(['succeeded', 'succeeded']);
      for (const cell of byDataset(name)) expect(cell.metrics.r2).toBeGreaterThan(0.3);
    }
    // The CSV holds the same rows as seoul's parquet, so the same split gives the same scores.
    expect(byDataset('homes').map((cell) => cell.metrics.rmse)).toEqual(byDataset('seoul').map((cell) => cell.metrics.rmse));
    const damagedLine = 'dataset damaged: data: damaged.parquet: cannot decode';
    for (const [name, line, fix] of [
      ['damaged', damagedLine, 'the file is damaged or was cut short: write it again'],
      ['unpriced', `dataset unpriced: ${unpricedLine}`, 'fill in the target, or choose another evaluation.target'],
    ] as const) {
      for (const cell of byDataset(name)) {
        expect(cell).toMatchObject({ status: 'failed', attempts: 0 });
        expect(cell.error).toContain(line);
        expect(cell.error).toContain(fix);
        expect(cell.error).not.toContain('\n');
      }
      expect(`${run.stdout}${run.stderr}`).toContain(line);
    }
    expect(results.totals).toMatchObject({ succeeded: 4, failed: 4 });
    expect(await readFile(project.file('results/bad-data/summary.md'), 'utf8')).toContain('damaged');
  });
});
