// What validation learns from a dataset without reading its rows: codecs, row counts against the split, CSV types.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeColumnTypes, writeParquet } from '@mxn/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExperimentError } from '../errors.js';
import { linearTable, testProject, type TestProject } from '../test-support/project.js';
import { loadExperiment } from './load-experiment.js';

let project: TestProject;

const experiment = (datasets: string) => `name: data-checks
datasets:
${datasets}
models:
  - { name: mean, build: models/mean, command: [node, train.js] }
evaluation:
  target: y
  metrics: [rmse]
  split: { test: 0.2, seed: 1 }
`;

async function problems(datasets: string): Promise<string[]> {
  const file = await project.write('experiments/x.yaml', experiment(datasets));
  const error = await loadExperiment(file).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ExperimentError);
  return (error as ExperimentError).message.split('\n');
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
      expect.stringMatching(/x\.yaml:6:\d+: cut\.parquet is not a readable parquet file: no parquet magic bytes at the end/),
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
      expect.stringMatching(/x\.yaml:3:\d+: ragged\.csv is not a readable CSV file: .*Invalid Record Length.*line 3/),
    ]);
  });
});
