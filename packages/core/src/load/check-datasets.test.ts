// What validation learns from a dataset without reading its rows: codecs, row counts against the split, CSV types.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeColumnTypes, writeParquet } from '@mxn/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { experimentError } from '../test-support/experiment-error.js';
import { linearTable, testProject, type TestProject } from '../test-support/project.js';
import { loadExperiment } from './load-experiment.js';

let project: TestProject;

const experiment = (datasets: string, split = '{ test: 0.2, seed: 1 }') => `name: data-checks
datasets:
${datasets}
models:
  - { name: mean, build: models/mean, command: [node, train.js] }
evaluation:
  target: y
  metrics: [rmse]
  split: ${split}
`;

/** A problem line: the experiment, a line of it, and `text` exactly to the end. */
const line = (at: number, text: string) =>
  expect.stringMatching(new RegExp(`x\\.yaml:${at}:\\d+: ${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));

async function problems(datasets: string, split?: string): Promise<string[]> {
  const file = await project.write('experiments/x.yaml', experiment(datasets, split));
  return (await experimentError(loadExperiment(file))).message.split('\n');
}

beforeAll(async () => {
  project = await testProject();
  await project.write('models/mean/train.js', '');
  await project.writeTable('data/good.parquet', linearTable(20));
  await project.writeTable('data/zero.parquet', linearTable(0));
  await project.writeTable('data/one.parquet', linearTable(1));
  await project.writeTable('data/three.parquet', linearTable(3));
  await writeFile(path.join(project.root, 'data/gzip.parquet'), writeParquet(linearTable(20), { codec: 'GZIP' }));
  await writeFile(path.join(project.root, 'data/cut.parquet'), writeParquet(linearTable(20)).subarray(0, 30));
  await project.writeTable('data/unpriced.parquet', {
    ...linearTable(20),
    columns: { ...linearTable(20).columns, y: new Float64Array(20).fill(NaN) },
  });
  const day = 86_400_000;
  await project.writeTable('data/sales.parquet', {
    names: ['district', 'sold', 'y'],
    columns: {
      district: Array.from({ length: 20 }, (_, i) => `district-${i % 4}`),
      sold: Float64Array.from({ length: 20 }, (_, i) => Date.UTC(2024, 0, 1) + i * day),
      y: Float64Array.from({ length: 20 }, (_, i) => i),
    },
    numRows: 20,
    types: { sold: { kind: 'date' } },
  });
  await project.write('data/homes.csv', 'x,y,sold\n1,3,2024-01-01\n2,"5",2024-01-02\n3,7,\n4,9,2024-01-04\n5,11,2024-01-05\n');
});

describe('dataset checks at validation', () => {
  it('reports every dataset a split cannot use and an unreadable file, each at its line, at once', async () => {
    const lines = await problems(
      [
        '  - { name: good, train: data/good.parquet }',
        '  - { name: zero, train: data/zero.parquet }',
        '  - { name: one, train: data/one.parquet }',
        '  - { name: cut, train: data/cut.parquet }',
        '  - { name: held, train: data/good.parquet, test: data/zero.parquet }',
      ].join('\n'),
    );
    expect(lines).toEqual([
      expect.stringMatching(
        /x\.yaml:4:\d+: data\/zero\.parquet: split\.test 0\.2 of 0 rows leaves the test side empty .*another fraction$/,
      ),
      expect.stringMatching(/x\.yaml:5:\d+: data\/one\.parquet: split\.test 0\.2 of 1 rows leaves the test side empty/),
      line(
        6,
        'data/cut.parquet is not a readable parquet file: no parquet magic bytes at the end; write it again as parquet, or name a .csv',
      ),
      expect.stringMatching(/x\.yaml:7:\d+: data\/zero\.parquet: has no rows; the held-out side needs rows to score$/),
    ]);
  });

  it('accepts a gzip parquet file and a three-row dataset (one test row), and a CSV with its inferred types', async () => {
    const file = await project.write(
      'experiments/ok.yaml',
      experiment(
        [
          '  - { name: gzip, train: data/gzip.parquet }',
          '  - { name: three, train: data/three.parquet }',
          '  - { name: homes, train: data/homes.csv }',
        ].join('\n'),
      ),
    );
    const loaded = await loadExperiment(file);
    const homes = loaded.datasets.find((dataset) => dataset.name === 'homes')!;
    expect(homes.rows).toBe(5);
    expect(describeColumnTypes(homes.columns)).toBe('x: int64, y: int64, sold: date');
    expect(homes.train.files.map((info) => info.key)).toEqual(['homes.csv']);
  });

  it('names a CSV the parser cannot read, with its line', async () => {
    await project.write('data/ragged.csv', 'x,y\n1,2\n3,4,5\n');
    const lines = await problems('  - { name: ragged, train: data/ragged.csv }');
    expect(lines).toEqual([
      expect.stringMatching(
        /x\.yaml:3:\d+: data\/ragged\.csv is not a readable CSV file: .*Invalid Record Length.*line 3.*; fix the line named/,
      ),
    ]);
  });

  it('refuses a target with no value in any row, from the footer; plan and run keep it to its dataset', async () => {
    const datasets = '  - { name: good, train: data/good.parquet }\n  - { name: unpriced, train: data/unpriced.parquet }';
    expect(await problems(datasets)).toEqual([
      line(
        4,
        'target column "y" has no value in any of the 20 rows of data/unpriced.parquet; ' +
          'fill in the target, or choose another evaluation.target',
      ),
    ]);
    const file = await project.write('experiments/kept.yaml', experiment(datasets));
    const kept = await loadExperiment(file, { keepDatasetProblems: true });
    expect(kept.datasetProblems?.map((item) => item.dataset)).toEqual(['unpriced']);
  });

  it('refuses an ordered split that leaves a side empty or has a test_from of another kind, from the footer', async () => {
    const good = '  - { name: good, train: data/good.parquet }';
    const sales = '  - { name: sales, train: data/sales.parquet }';
    expect(await problems(good, '{ by: x, test_from: 100 }')).toEqual([
      line(
        9,
        'split x >= 100 leaves the test side empty: column "x" of data/good.parquet (dataset good) runs from 0 to 19; ' +
          'choose a test_from inside that range',
      ),
    ]);
    expect(await problems(good, '{ by: x, test_from: 0 }')).toEqual([
      expect.stringMatching(/9:\d+: split x >= 0 leaves the train side empty/),
    ]);
    expect(await problems(good, '{ by: x, test_from: 2024-01-01 }')).toEqual([
      expect.stringMatching(
        /9:\d+: split\.test_from "2024-01-01" is not a number, but column "x" of data\/good\.parquet .*; write a number$/,
      ),
    ]);
    expect(await problems(sales, '{ by: district, test_from: 2024-01-01 }')).toEqual([
      line(
        9,
        'split.test_from "2024-01-01" is a date, but column "district" of data/sales.parquet (dataset sales) holds text ' +
          '(from "district-0" to "district-3"); set split.by to a date column, or test_from to a value like these',
      ),
    ]);
    expect(await problems(sales, '{ by: sold, test_from: soon }')).toEqual([
      expect.stringMatching(
        /9:\d+: split\.test_from "soon" is not a date or time, but column "sold" .* holds date values; write a date such as 2024-01-01/,
      ),
    ]);
    expect(await problems(sales, '{ by: sold, test_from: 2025-01-01 }')).toEqual([
      expect.stringMatching(/9:\d+: split sold >= 2025-01-01 leaves the test side empty: .* runs from 2024-01-01 to 2024-01-20;/),
    ]);
    // Inside the range: accepted.
    const file = await project.write('experiments/ok.yaml', experiment(sales, '{ by: sold, test_from: 2024-01-15 }'));
    expect((await loadExperiment(file)).datasets.map((dataset) => dataset.name)).toEqual(['sales']);
  });
});
