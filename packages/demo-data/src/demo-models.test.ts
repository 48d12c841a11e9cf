// The demo models in models/ run as the task protocol runs them: `node train.js` in their folder with
// the MXN_* variables set. Needs @mxn/model-kit built (the models import it by name).
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropColumn, readParquetFile, selectRows, writeParquetFile } from '@mxn/data';
import { createRandom } from './random.js';
import { generateHousing } from './generate-housing.js';

const MODELS_DIR = resolve(fileURLToPath(import.meta.url), '../../../../models');
const DATASET = 'busan';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  outputDir: string;
}

let dir: string;
let inputDir: string;
let actual: Float64Array;
let trainMean: number;
const runs = new Map<string, Run>();

function runModel(
  model: string,
  params: Record<string, unknown>,
  env: Record<string, string | undefined> = {},
  script = 'train.js',
): Promise<Run> {
  const outputDir = join(dir, 'out', `${model}-${runs.size}-${Math.random().toString(36).slice(2, 8)}`);
  const taskEnv: Record<string, string | undefined> = {
    ...process.env,
    MXN_INPUT_DIR: inputDir,
    MXN_OUTPUT_DIR: outputDir,
    MXN_TARGET: 'price',
    MXN_PARAMS: JSON.stringify(params),
    MXN_CELL_ID: `${model}__${DATASET}`,
    MXN_MODEL: model,
    MXN_DATASET: DATASET,
    ...env,
  };
  return new Promise((done) => {
    execFile(
      process.execPath,
      [script],
      { cwd: join(MODELS_DIR, model), env: taskEnv as NodeJS.ProcessEnv, encoding: 'utf8' },
      (error, stdout, stderr) => {
        done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, outputDir });
      },
    );
  });
}

async function predictions(run: Run, file = 'predictions.parquet'): Promise<Float64Array> {
  return (await readParquetFile(join(run.outputDir, file))).columns.prediction as Float64Array;
}

function rmse(a: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (p[i] as number)) ** 2;
  return Math.sqrt(s / a.length);
}

const LEARNERS: Array<[string, Record<string, unknown>]> = [
  ['ridge', { alpha: 1 }],
  ['forest', { trees: 8, maxDepth: 8 }],
  ['knn', { k: 10 }],
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'demo-models-'));
  inputDir = join(dir, 'input');
  const table = generateHousing({ region: DATASET, rows: 1000, seed: 5 });
  const order = Array.from({ length: table.numRows }, (_, i) => i);
  const random = createRandom(99);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const test = selectRows(table, Uint32Array.from(order.slice(0, 200)));
  const train = selectRows(table, Uint32Array.from(order.slice(200)));
  await writeParquetFile(join(inputDir, 'train.parquet'), train);
  await writeParquetFile(join(inputDir, 'test.parquet'), dropColumn(test, 'price'));
  actual = test.columns.price as Float64Array;
  const y = train.columns.price as Float64Array;
  trainMean = y.reduce((a, b) => a + b, 0) / y.length;
  // two at a time, like the demo
  for (let i = 0; i < LEARNERS.length; i += 2) {
    const batch = LEARNERS.slice(i, i + 2);
    const done = await Promise.all(batch.map(([name, params]) => runModel(name, params)));
    batch.forEach(([name], j) => {
      runs.set(name, done[j] as Run);
    });
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('demo models', () => {
  it.each(LEARNERS.map(([name]) => name))('%s fits train, predicts every test row, and beats predicting the train mean', async (name) => {
    const run = runs.get(name) as Run;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const predicted = await predictions(run);
    expect(predicted.length).toBe(actual.length);
    const baseline = rmse(actual, new Float64Array(actual.length).fill(trainMean));
    expect(rmse(actual, predicted)).toBeLessThan(0.75 * baseline);
    const metrics = JSON.parse(await readFile(join(run.outputDir, 'metrics.json'), 'utf8')) as Record<string, unknown>;
    const numbers = Object.values(metrics).filter((v) => typeof v === 'number');
    expect(numbers.length).toBeGreaterThanOrEqual(3);
    expect(numbers.every(Number.isFinite)).toBe(true);
  });

  it('ridge is deterministic and its alpha changes the fit', async () => {
    const [again, stiff] = await Promise.all([runModel('ridge', { alpha: 1 }), runModel('ridge', { alpha: 10_000 })]);
    const base = await predictions(runs.get('ridge') as Run);
    expect(Array.from(await predictions(again))).toEqual(Array.from(base));
    expect(rmse(await predictions(stiff), base)).toBeGreaterThan(1);
  });

  it('a bad parameter or a missing variable fails with one clear line on stderr', async () => {
    const [badK, noTarget] = await Promise.all([runModel('knn', { k: 'many' }), runModel('ridge', {}, { MXN_TARGET: undefined })]);
    expect(badK.code).not.toBe(0);
    expect(badK.stderr).toContain('parameter "k" must be a number');
    expect(noTarget.code).not.toBe(0);
    expect(noTarget.stderr.trim()).toBe(
      'ridge__busan: model-kit: environment variable MXN_TARGET is not set (the mxn task protocol sets it for every task)',
    );
  });
});

describe('broken model', () => {
  it('fails on the dataset named by failOn and predicts the train mean elsewhere', async () => {
    const [fails, works] = await Promise.all([runModel('broken', { failOn: DATASET }), runModel('broken', { failOn: 'seoul' })]);
    expect(fails.code).not.toBe(0);
    expect(fails.stderr).toContain(`failing on purpose for dataset "${DATASET}"`);
    expect(works.code).toBe(0);
    const predicted = await predictions(works);
    expect(predicted.length).toBe(actual.length);
    expect(predicted.every((v) => Math.abs(v - trainMean) < 1e-9)).toBe(true);
  });
});

describe('ensemble aggregate', () => {
  it('averages the succeeded and cached cells per dataset and lists the failed and unreadable ones', async () => {
    const aggregateInput = join(dir, 'aggregate-input');
    const cells = [
      { id: `forest__${DATASET}`, model: 'forest', dataset: DATASET, status: 'succeeded', from: runs.get('forest') },
      { id: `knn__${DATASET}`, model: 'knn', dataset: DATASET, status: 'cached', from: runs.get('knn') },
      { id: `ridge__${DATASET}`, model: 'ridge', dataset: DATASET, status: 'succeeded', from: runs.get('ridge') },
      { id: `broken__${DATASET}`, model: 'broken', dataset: DATASET, status: 'failed', from: undefined },
      { id: 'lost__daegu', model: 'lost', dataset: 'daegu', status: 'succeeded', from: undefined },
    ];
    for (const cell of cells) {
      if (cell.from) await cp(cell.from.outputDir, join(aggregateInput, 'cells', cell.id), { recursive: true });
    }
    const manifest = {
      version: 1,
      experiment: 'housing-demo',
      runId: 'run-1',
      target: 'price',
      cells: cells.map(({ id, model, dataset, status }) => ({ id, model, dataset, status, dir: `cells/${id}` })),
    };
    await mkdir(aggregateInput, { recursive: true });
    await writeFile(join(aggregateInput, 'manifest.json'), JSON.stringify(manifest));

    const run = await runModel('ensemble', {}, { MXN_INPUT_DIR: aggregateInput }, 'aggregate.js');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const parts = await Promise.all(['forest', 'knn', 'ridge'].map((m) => predictions(runs.get(m) as Run)));
    const averaged = await predictions(run, `ensemble-${DATASET}.parquet`);
    expect(averaged.length).toBe(actual.length);
    averaged.forEach((v, i) => {
      expect(v).toBeCloseTo(parts.reduce((s, p) => s + (p[i] as number), 0) / 3, 6);
    });

    const summary = JSON.parse(await readFile(join(run.outputDir, 'summary.json'), 'utf8'));
    expect(summary.datasets[DATASET].used.map((c: { id: string }) => c.id)).toEqual([
      `forest__${DATASET}`,
      `knn__${DATASET}`,
      `ridge__${DATASET}`,
    ]);
    expect(summary.datasets[DATASET].failed).toEqual([{ id: `broken__${DATASET}`, model: 'broken', status: 'failed' }]);
    expect(summary.datasets.daegu.used).toEqual([]);
    expect(summary.datasets.daegu.skipped[0].id).toBe('lost__daegu');
    expect(summary.datasets.daegu.output).toBeNull();
  });
});
