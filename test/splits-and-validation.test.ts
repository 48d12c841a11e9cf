// End to end: one `mxn validate` reports every kind of problem at once; a dataset too small for its
// split is refused by validate, shown by plan, and fails only its own cells in a run; a time split
// and a group split reach the model with no row on the wrong side, and the summary says how each
// dataset was split and how many rows went to each side.
import { readFile, writeFile } from 'node:fs/promises';
import { readParquetFile, writeParquet, type Table } from '@mxn/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { e2eProject, type E2eProject } from './support/project.js';

/** Predicts the training mean; first checks the split it was given (`params.check`) and fails on a leaked row. */
const CHECKING_MODEL = `import { runTask, targetValues, writePredictions } from '@mxn/model-kit';
await runTask(async ({ train, test, target, params }) => {
  const check = params.check ?? {};
  if (check.by) {
    const bound = Date.parse(check.from);
    const times = (values) => Array.from(values, (v) => (typeof v === 'number' ? v : Date.parse(v)));
    const [before, after] = [times(train.columns[check.by]), times(test.columns[check.by])];
    if ([...before, ...after].some(Number.isNaN)) throw new Error(check.by + ' is not a date in every row');
    const late = before.filter((t) => t >= bound).length;
    const early = after.filter((t) => t < bound).length;
    if (late + early > 0) throw new Error('leak: ' + late + ' late training rows, ' + early + ' early test rows');
  }
  if (check.group) {
    const seen = new Set(train.columns[check.group]);
    const both = new Set(test.columns[check.group].filter((g) => seen.has(g)));
    if (both.size > 0) throw new Error('leak: groups on both sides: ' + [...both].join(', '));
  }
  const y = targetValues(train, target);
  const mean = y.reduce((sum, v) => sum + v, 0) / y.length;
  await writePredictions(new Array(test.numRows).fill(mean), { expectedRows: test.numRows });
});
`;

function rows(table: Table, count: number): Table {
  const columns = Object.fromEntries(
    table.names.map((name) => {
      const values = table.columns[name]!;
      return [name, values instanceof Float64Array ? values.slice(0, count) : values.slice(0, count)];
    }),
  );
  return { ...table, columns, numRows: count };
}

describe('one-pass validation, datasets too small for their split, and split kinds', () => {
  let project: E2eProject;
  let seoul: Table;
  beforeAll(async () => {
    project = await e2eProject();
    await project.model('checker', CHECKING_MODEL);
    seoul = await readParquetFile(project.file('data/housing/seoul.parquet'));
    await writeFile(project.file('data/empty.parquet'), writeParquet(rows(seoul, 0)));
    await writeFile(project.file('data/one.parquet'), writeParquet(rows(seoul, 1)));
    // Sales over two years, one a day in turn: a date column for the time split.
    const day = 86_400_000;
    const soldOn = new Float64Array(seoul.numRows).map((_, i) => Date.UTC(2023, 0, 1) + (i % 730) * day);
    const dated: Table = {
      ...seoul,
      names: [...seoul.names, 'sold_on'],
      columns: { ...seoul.columns, sold_on: soldOn },
      types: { ...seoul.types, sold_on: { kind: 'date' } },
    };
    await writeFile(project.file('data/dated.parquet'), writeParquet(dated));
  });

  it('validate reports five kinds of problems at once, each at its line, and exits 2', async () => {
    await project.experiment(
      'five',
      `name: five
datasets:
  - name: seoul
    train: data/housing/seoul.parquet
models:
  - name: mean
    build: models/nope
    command: [node, train.js]
evaluation:
  target: prize
  task: regresion
  metrics: [rmse, r3]
compute:
  backend: azure
  timeout: soon
`,
    );
    const result = await project.mxn(['validate', 'experiments/five.yaml']);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    const at = (line: number, column: number, text: string) =>
      expect(lines).toContainEqual(expect.stringContaining(`experiments/five.yaml:${line}:${column}: ${text}`));
    at(4, 12, 'target column "prize" is missing from data/housing/seoul.parquet; did you mean "price"?');
    at(7, 12, 'build folder models/nope does not exist');
    at(11, 9, 'evaluation.task: unknown task "regresion"; did you mean "regression"?');
    at(12, 19, 'unknown regression metric "r3"; did you mean "r2"?');
    at(14, 12, 'compute.backend: unknown backend "azure"; did you mean "azure-batch"?');
    at(15, 12, 'timeout "soon" is not a duration');
  });

  it('validate checks compute under an unknown backend, and an ordered split against the footers, in one pass', async () => {
    await project.experiment(
      'pass',
      `name: pass
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: dated, train: data/dated.parquet }
models:
  - { name: mean, build: models/checker, command: [node, train.js] }
evaluation:
  target: price
  split: { by: area_m2, test_from: 100000 }
compute:
  backend: azur
  runtime: proces
  concurrency: -1
  retries: many
`,
    );
    const result = await project.mxn(['validate', 'experiments/pass.yaml']);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    const emptyTest = (file: string, dataset: string) =>
      expect.stringMatching(
        new RegExp(
          `^experiments/pass\\.yaml:9:36: split area_m2 >= 100000 leaves the test side empty: column "area_m2" of ${file} ` +
            `\\(dataset ${dataset}\\) runs from [\\d.]+ to [\\d.]+; choose a test_from inside that range$`,
        ),
      );
    expect(lines.slice(0, 7)).toEqual([
      emptyTest('data/housing/seoul\\.parquet', 'seoul'),
      emptyTest('data/dated\\.parquet', 'dated'),
      'experiments/pass.yaml:11:12: compute.backend: unknown backend "azur"; did you mean "azure-batch"? ' +
        '(backends: local, azure-batch, aws-batch)',
      'experiments/pass.yaml:12:12: compute.runtime: unknown runtime "proces"; did you mean "process"?',
      'experiments/pass.yaml:13:16: compute.concurrency: -1 is too small; write 1 or more',
      'experiments/pass.yaml:14:12: compute.retries: "many" is not a number; write a number, e.g. 2',
      '6 problems; nothing was run',
    ]);
  });

  it('a dataset too small for its split: validate refuses it, plan shows it, run fails only its cells and writes results', async () => {
    await project.experiment(
      'tiny',
      `name: tiny
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: empty, train: data/empty.parquet }
  - { name: one, train: data/one.parquet }
models:
  - { name: mean, build: models/checker, command: [node, train.js] }
evaluation:
  target: price
  metrics: [rmse]
compute: { timeout: 2m }
`,
    );
    const valid = await project.mxn(['validate', 'experiments/tiny.yaml']);
    expect(valid.code).toBe(2);
    expect(valid.stderr).toMatch(/tiny\.yaml:4:27: data\/empty\.parquet: split\.test 0\.2 of 0 rows leaves the test side empty/);
    expect(valid.stderr).toMatch(/tiny\.yaml:5:25: data\/one\.parquet: split\.test 0\.2 of 1 rows leaves the test side empty/);

    const plan = await project.mxn(['plan', 'experiments/tiny.yaml']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/mean\s+run\s+fails \(dataset\)\s+fails \(dataset\)/);
    expect(plan.stdout).toContain('seoul: random: 20% test, seed 42 · 8000 rows: 6400 train / 1600 test');
    expect(plan.stdout).toMatch(/dataset problem .*tiny\.yaml:5:25: data\/one\.parquet: .*; its cells fail, the others run/);

    const run = await project.mxn(['run', 'experiments/tiny.yaml']);
    expect(run.code).toBe(1);
    const results = await project.results('tiny');
    const cell = (dataset: string) => results.cells.find((item) => item.dataset === dataset)!;
    expect(cell('seoul')).toMatchObject({ status: 'succeeded' });
    for (const name of ['empty', 'one']) {
      expect(cell(name)).toMatchObject({ status: 'failed', attempts: 0 });
      expect(cell(name).error).toMatch(new RegExp(`^dataset ${name}: data/${name}\\.parquet: split\\.test .* use a larger dataset`));
      expect(cell(name).error).not.toContain('\n');
    }
    expect(results.splits?.seoul).toEqual({ split: 'random: 20% test, seed 42', train: 6400, test: 1600 });
    // Not cached: the next run reads the fixed file again.
    await writeFile(project.file('data/one.parquet'), writeParquet(rows(seoul, 50)));
    const again = await project.mxn(['run', 'experiments/tiny.yaml', '--only', 'dataset=one']);
    expect(again.code).toBe(0);
    expect((await project.results('tiny')).cells.find((item) => item.dataset === 'one')).toMatchObject({ status: 'succeeded' });
  });

  it('a time split and a group split leak no row, and the summary says the split and the rows on each side', async () => {
    const experiment = (name: string, split: string, check: string) =>
      project.experiment(
        name,
        `name: ${name}
datasets:
  - { name: seoul, train: data/dated.parquet }
models:
  - { name: mean, build: models/checker, command: [node, train.js], params: { check: ${check} } }
evaluation:
  target: price
  metrics: [rmse]
  split: ${split}
compute: { timeout: 2m }
`,
      );
    await experiment('by-time', '{ by: sold_on, test_from: 2024-07-01 }', '{ by: sold_on, from: "2024-07-01" }');
    const time = await project.mxn(['run', 'experiments/by-time.yaml']);
    expect([time.code, time.stderr]).toEqual([0, expect.any(String)]);
    // 730 days from 2023-01-01; 2024-07-01 is day 547: days 547..729 of each cycle are test.
    const testRows = Array.from({ length: seoul.numRows }, (_, i) => i % 730).filter((d) => d >= 547).length;
    const timeResults = await project.results('by-time');
    expect(timeResults.cells[0]).toMatchObject({ status: 'succeeded' });
    expect(timeResults.splits?.seoul).toEqual({
      split: 'ordered: sold_on >= 2024-07-01 is test',
      train: seoul.numRows - testRows,
      test: testRows,
    });
    const summary = await readFile(project.file('results/by-time/summary.md'), 'utf8');
    expect(summary).toContain(
      `**Split**: ordered: sold\\_on &gt;= 2024-07-01 is test · seoul ${seoul.numRows - testRows} train / ${testRows} test rows`,
    );

    // The model's check is real: a random split of the same rows leaks later sales into training.
    await experiment('random', '{ test: 0.2, seed: 42 }', '{ by: sold_on, from: "2024-07-01" }');
    expect((await project.mxn(['run', 'experiments/random.yaml'])).code).toBe(1);
    expect((await project.results('random')).cells[0]?.error).toMatch(/leak: \d+ late training rows/);

    await experiment('by-group', '{ group: district, test: 0.3, seed: 7 }', '{ group: district }');
    const group = await project.mxn(['run', 'experiments/by-group.yaml']);
    expect(group.code).toBe(0);
    const groupResults = await project.results('by-group');
    expect(groupResults.cells[0]).toMatchObject({ status: 'succeeded' });
    const sides = groupResults.splits?.seoul;
    expect(sides?.split).toBe('by group district: 30% test, seed 7 of groups');
    expect((sides?.train ?? 0) + (sides?.test ?? 0)).toBe(seoul.numRows);
    expect(sides?.test).toBeGreaterThan(0);

    // A second run is all cached, and the summary still has the counts (kept beside the labels).
    const cached = await project.mxn(['run', 'experiments/by-group.yaml']);
    expect(cached.code).toBe(0);
    expect((await project.results('by-group')).splits?.seoul).toEqual(sides);
  });
});
