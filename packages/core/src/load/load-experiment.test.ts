import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeParquetFile } from '@mxn/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ExperimentError } from '../errors.js';
import { experimentError } from '../test-support/experiment-error.js';
import { experimentSchemaFor } from '../schema/experiment.js';
import { loadExperiment } from './load-experiment.js';

let root: string;

const good = `name: demo
datasets:
  - name: a
    train: data/a.parquet
  - name: b
    train: data/b.parquet
models:
  - name: mean
    build: models/mean
    command: [node, train.js]
    params: { k: [1, 2] }
evaluation:
  target: price
  metrics: [rmse, r2]
`;

async function write(name: string, text: string): Promise<string> {
  const file = path.join(root, 'experiments', name);
  await writeFile(file, text);
  return file;
}

async function problems(text: string): Promise<string[]> {
  const file = await write('bad.yaml', text);
  return (await experimentError(loadExperiment(file))).message.split('\n');
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mxn-load-'));
  await mkdir(path.join(root, 'experiments'));
  await mkdir(path.join(root, 'data'));
  await mkdir(path.join(root, 'models', 'mean'), { recursive: true });
  await writeFile(path.join(root, 'models', 'mean', 'Dockerfile'), 'FROM node:20-slim\n');
  const table = (n: number) => ({
    names: ['area', 'price'],
    columns: { area: Float64Array.from({ length: n }, (_, i) => i), price: Float64Array.from({ length: n }, (_, i) => 2 * i) },
    numRows: n,
  });
  await writeParquetFile(path.join(root, 'data', 'a.parquet'), table(10));
  await writeParquetFile(path.join(root, 'data', 'b.parquet'), table(20));
  await writeFile(path.join(root, 'data', 'broken.parquet'), 'not parquet at all, just text');
});

describe('loadExperiment', () => {
  it('loads a valid file with defaults and resolved datasets', async () => {
    const loaded = await loadExperiment(await write('good.yaml', good));
    expect(loaded.root).toBe(root);
    expect(loaded.spec.compute).toMatchObject({ backend: 'local', retries: 1, timeout: '30m' });
    expect(loaded.spec.evaluation.split).toEqual({ test: 0.2, seed: 42 });
    expect(loaded.datasets.map((dataset) => [dataset.name, dataset.rows])).toEqual([
      ['a', 10],
      ['b', 20],
    ]);
  });

  it('points an unknown key at its line and column with a did-you-mean', async () => {
    const lines = await problems(good.replace('    command: [node, train.js]', '    comand: [node, train.js]'));
    const shown = path.relative(process.cwd(), path.join(root, 'experiments', 'bad.yaml'));
    expect(lines).toEqual([`${shown}:10:5: unknown key "comand" in models[0]; did you mean "command"?`]);
  });

  it('reports every problem at once: wrong types, duplicates, unknown metrics, bad timeout', async () => {
    const text = good
      .replace('  - name: b\n', '  - name: a\n')
      .replace('metrics: [rmse, r2]', 'metrics: [rmse, r3]')
      .concat('compute:\n  concurrency: two\n  timeout: soon\n');
    const lines = await problems(text);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/:5:11: duplicate dataset name "a" \(also datasets\[0\]\)/);
    expect(lines[1]).toMatch(/:14:19: unknown regression metric "r3"; did you mean "r2"\?/);
    expect(lines[2]).toMatch(/:16:16: compute\.concurrency: "two" is not a number; write a number, e\.g\. 2$/);
    expect(lines[3]).toMatch(/:17:12: timeout "soon" is not a duration/);
  });

  it('names a missing target column, a missing file and an unreadable parquet file', async () => {
    const lines = await problems(good.replace('target: price', 'target: prize').replace('data/b.parquet', 'data/nope.parquet').concat(''));
    expect(lines.some((line) => /:4:12: target column "prize" is missing from data\/a\.parquet; did you mean "price"\?/.test(line))).toBe(
      true,
    );
    expect(lines.some((line) => /:6:12: no parquet file matches data\/nope\.parquet/.test(line))).toBe(true);
    const broken = await problems(good.replace('data/b.parquet', 'data/broken.parquet'));
    expect(
      broken.some((line) =>
        /:6:12: data\/broken\.parquet is not a readable parquet file: .*; write it again as parquet, or name a \.csv$/.test(line),
      ),
    ).toBe(true);
  });

  it('refuses an empty parameter list, which would make no variant', async () => {
    const lines = await problems(good.replace('params: { k: [1, 2] }', 'params: { k: [] }'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/:11:18: params\.k is an empty list, which makes no variant; give at least one value/);
  });

  it('checks the datasets too when other parts of the file are wrong', async () => {
    const lines = await problems(
      good
        .replace('target: price', 'target: prize')
        .replace('    command: [node, train.js]', '    comand: [node, train.js]')
        .replace('  - name: b\n', '  - name: a\n'),
    );
    expect(lines.some((line) => /unknown key "comand"/.test(line))).toBe(true);
    expect(lines.some((line) => /:4:12: target column "prize" is missing from data\/a\.parquet/.test(line))).toBe(true);
    expect(lines.some((line) => /:6:12: target column "prize" is missing from data\/b\.parquet/.test(line))).toBe(true);
    const semantic = await problems(good.replace('target: price', 'target: prize').replace('  - name: b\n', '  - name: a\n'));
    expect(semantic.some((line) => /duplicate dataset name "a"/.test(line))).toBe(true);
    expect(semantic.some((line) => /target column "prize" is missing/.test(line))).toBe(true);
  });

  it('accepts every backend of the schema, aws-batch included', async () => {
    const loaded = await loadExperiment(await write('aws.yaml', `${good}compute:\n  backend: aws-batch\n`));
    expect(loaded.spec.compute.backend).toBe('aws-batch');
  });

  it("takes the common compute keys only without the backends' settings, and names the backend meant", async () => {
    expect(await problems(`${good}compute:\n  backend: azure-batch\n  maxNodes: 2\n`)).toEqual([
      expect.stringMatching(
        /:17:3: unknown key "maxNodes" in compute; expected one of: backend, concurrency, retries, .*timeout, staging, cache, maxCells$/,
      ),
    ]);
    expect(await problems(`${good}compute:\n  backend: loca\n`)).toEqual([
      expect.stringMatching(
        /:16:12: compute\.backend: unknown backend "loca"; did you mean "local"\? \(backends: local, azure-batch, aws-batch\)$/,
      ),
    ]);
    expect(await problems(`${good}compute:\n  backend: 3\n`)).toEqual([
      expect.stringMatching(/:16:12: compute\.backend: unknown backend 3; expected one of: local, azure-batch, aws-batch$/),
    ]);
  });

  it('reports YAML syntax errors with their position', async () => {
    const lines = await problems('name: demo\ndatasets: [\n');
    expect(lines[0]).toMatch(/bad\.yaml:\d+:\d+: YAML: /);
  });

  it('resolves globs to every matching parquet file', async () => {
    const loaded = await loadExperiment(await write('glob.yaml', good.replace('data/a.parquet', 'data/{a,b}.parquet')));
    expect(loaded.datasets[0]!.train.files.map((file) => file.key)).toEqual(['a.parquet', 'b.parquet']);
    expect(loaded.datasets[0]!.rows).toBe(30);
  });

  it('parses the split written as before to the same object, so cell keys do not change', async () => {
    const loaded = await loadExperiment(await write('split.yaml', good.concat('  split: { test: 0.25, seed: 7 }\n')));
    expect(Object.keys(loaded.spec.evaluation.split)).toEqual(['test', 'seed']);
    expect(loaded.spec.evaluation.split).toStrictEqual({ test: 0.25, seed: 7 });
  });

  it('checks the split kinds: one at a time, by with test_from, stratify for classification, columns that exist', async () => {
    const lines = await problems(good.concat('  split: { by: area, group: area }\n'));
    expect(lines).toEqual([
      expect.stringMatching(/:15:16: evaluation\.split\.by: needs test_from, the first value of the test side$/),
      expect.stringMatching(/:15:29: evaluation\.split\.group: choose one of by, group and stratify \(this split has by and group\)/),
    ]);
    expect(await problems(good.concat('  split: { stratify: true }\n'))).toEqual([
      expect.stringMatching(/:15:22: a stratified split keeps class proportions, so it needs task: classification/),
    ]);
    const missing = await problems(good.concat('  split: { group: aera }\n'));
    expect(missing).toEqual([
      expect.stringMatching(/:15:19: split\.group column "aera" is missing from data\/a\.parquet \(dataset a\); did you mean "area"\?/),
      expect.stringMatching(/:15:19: split\.group column "aera" is missing from data\/b\.parquet \(dataset b\); did you mean "area"\?/),
    ]);
    const loaded = await loadExperiment(await write('by.yaml', good.concat('  split: { by: area, test_from: 8 }\n')));
    expect(loaded.spec.evaluation.split).toMatchObject({ by: 'area', test_from: 8 });
  });

  it('keeps a dataset too small for its split apart when asked (plan and run), and refuses it otherwise', async () => {
    await writeParquetFile(path.join(root, 'data', 'one.parquet'), {
      names: ['area', 'price'],
      columns: { area: Float64Array.from([1]), price: Float64Array.from([2]) },
      numRows: 1,
    });
    const text = good.replace('data/b.parquet', 'data/one.parquet');
    const refused = await problems(text);
    expect(refused).toEqual([expect.stringMatching(/:6:12: data\/one\.parquet: split\.test 0\.2 of 1 rows leaves the test side empty/)]);
    const kept = await loadExperiment(await write('kept.yaml', text), { keepDatasetProblems: true });
    expect(kept.datasets.map((dataset) => dataset.name)).toEqual(['a', 'b']);
    expect(kept.datasetProblems).toEqual([expect.objectContaining({ line: 6, column: 12, dataset: 'b' })]);
    // Any other problem still refuses the file, with the dataset's too.
    const both = await loadExperiment(await write('both.yaml', text.replace('rmse, r2', 'rmse, r3')), { keepDatasetProblems: true }).catch(
      (error: ExperimentError) => error.issues.map((issue) => issue.message),
    );
    expect(both).toEqual([expect.stringMatching(/one\.parquet/), expect.stringMatching(/unknown regression metric "r3"/)]);
  });

  it("checks the rest of compute when the backend is unknown: the shared keys and each backend's settings", async () => {
    const schema = experimentSchemaFor({ local: z.strictObject({ runtime: z.enum(['container', 'process']).optional() }) });
    const file = await write(
      'azur.yaml',
      `${good}compute:\n  backend: azur\n  runtime: proces\n  concurrency: -1\n  retries: many\n  maxNode: 2\n`,
    );
    const error = await loadExperiment(file, { schema }).catch((caught: ExperimentError) => caught);
    expect((error as ExperimentError).issues.map((issue) => `${issue.line}:${issue.column}: ${issue.message}`)).toEqual([
      '16:12: compute.backend: unknown backend "azur"; did you mean "azure-batch"? (backends: local, azure-batch, aws-batch)',
      '17:12: compute.runtime: unknown runtime "proces"; did you mean "process"?',
      '18:16: compute.concurrency: -1 is too small; write 1 or more',
      '19:12: compute.retries: "many" is not a number; write a number, e.g. 2',
      expect.stringMatching(/^20:3: unknown key "maxNode" in compute; expected one of: backend, concurrency, .*runtime$/),
    ]);
  });

  it("words zod's problems plainly, with the fix", async () => {
    const lines = await problems(
      good
        .replace('metrics: [rmse, r2]', 'metrics: []')
        .concat('  split: { test: 1, seed: 1.5 }\ncompute:\n  concurrency: 0\n  retries: 11\n  timeout:\n'),
    );
    expect(lines.map((line) => line.replace(/^.*bad\.yaml:/, ''))).toEqual([
      '14:12: evaluation.metrics: is an empty list; give at least one item',
      '15:18: evaluation.split.test: 1 is too large; write a number below 1',
      '15:27: evaluation.split.seed: 1.5 is not a whole number; write an integer, e.g. 1',
      '17:16: compute.concurrency: 0 is too small; write 1 or more',
      '18:12: compute.retries: 11 is too large; write 10 or less',
      '19:11: compute.timeout: has no value; write text (quote it if it looks like a number)',
    ]);
  });
});
