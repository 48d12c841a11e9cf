// The Python model kit (python/): its own pytest suite, and Python models run through it on inputs
// the Node harness writes, scored by the harness's scorer. One venv (made by the process runtime's
// ensurePythonEnv from models/sklearn-gbr's requirements plus pytest) serves every test here.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePythonEnv, type PythonEnv } from '@mxn/backend-local';
import { prepareCellInputs, readParquetFile, score, writeParquetFile, type Column, type Table } from '@mxn/data';
import { repoRoot } from './support/project.js';

const GBR_DIR = path.join(repoRoot, 'models/sklearn-gbr');
const PYTEST = 'pytest==9.1.1';

interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the Python model kit', () => {
  let scratch: string;
  let env: PythonEnv;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'mxn-python-kit-'));
    const buildDir = path.join(scratch, 'kit-venv');
    await mkdir(buildDir);
    await writeFile(
      path.join(buildDir, 'requirements.txt'),
      `${await readFile(path.join(GBR_DIR, 'requirements.txt'), 'utf8')}${PYTEST}\n`,
    );
    env = (await ensurePythonEnv(buildDir, { cacheDir: path.join(scratch, 'venvs') }))!;
  }, 900_000);
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  /** Runs the venv's python in `cwd` with a clean environment plus `extra`, as the process runtime does. */
  function python(args: string[], cwd: string, extra: Record<string, string> = {}): Promise<Finished> {
    const base = {
      PATH: `${env.binDir}${path.delimiter}${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? scratch,
      VIRTUAL_ENV: env.dir,
      PYTHONDONTWRITEBYTECODE: '1',
    };
    return new Promise((resolve) => {
      execFile('python', args, { cwd, env: { ...base, ...extra }, timeout: 300_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });
  }

  /** Stages a cell's inputs the way the harness does (split, target held out) and returns the protocol variables and the labels. */
  async function stage(
    name: string,
    table: Table,
    target: string,
    task: 'regression' | 'classification',
    params: Record<string, unknown> = {},
  ) {
    const prepared = prepareCellInputs(table, { target, split: { test: 0.2, seed: 42 } });
    const input = path.join(scratch, name, 'input');
    const output = path.join(scratch, name, 'output');
    await writeParquetFile(path.join(input, 'train.parquet'), prepared.train);
    await writeParquetFile(path.join(input, 'test.parquet'), prepared.test);
    const vars = {
      MXN_INPUT_DIR: input,
      MXN_OUTPUT_DIR: output,
      MXN_TARGET: target,
      MXN_TASK: task,
      MXN_PARAMS: JSON.stringify(params),
      MXN_CELL_ID: `${name}@seoul`,
      MXN_MODEL: name,
      MXN_DATASET: 'seoul',
    };
    return { vars, output, labels: prepared.labels.columns[target] as Column, testRows: prepared.test.numRows };
  }

  it('passes its own pytest suite', async () => {
    const run = await python(['-m', 'pytest', 'python/tests', '-q'], repoRoot);
    expect(run.stdout + run.stderr).toMatch(/\d+ passed/);
    expect(run.code).toBe(0);
    expect(existsSync(path.join(repoRoot, 'python/tests/__pycache__'))).toBe(false);
  }, 120_000);

  it('runs models/sklearn-gbr on harness-written inputs: ' +
    'the harness reads and scores its predictions, and reruns give the same bytes', async () => {
    const seoul = await readParquetFile(path.join(repoRoot, 'data/housing/seoul.parquet'));
    const cell = await stage('sklearn-gbr', seoul, 'price', 'regression', { max_iter: 100, learning_rate: 0.1 });
    const before = (await readdir(GBR_DIR)).sort();

    const first = await python(['train.py'], GBR_DIR, cell.vars);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/sklearn-gbr: \d+ train rows, 9 features \(2 categorical\), 100 trees/);
    const predictions = await readParquetFile(path.join(cell.output, 'predictions.parquet'));
    expect(predictions.names).toEqual(['prediction']);
    expect(predictions.numRows).toBe(cell.testRows);
    const metrics = score({ task: 'regression', metrics: ['rmse', 'r2', 'mape'], labels: cell.labels, predictions });
    expect(metrics.r2).toBeGreaterThan(0.85);
    expect(metrics.mape).toBeLessThan(0.3);
    const own = JSON.parse(await readFile(path.join(cell.output, 'metrics.json'), 'utf8')) as Record<string, unknown>;
    expect(own).toMatchObject({ train_rows: seoul.numRows - cell.testRows, features: 9, categorical: 2, trees: 100 });
    expect(own.train_rmse).toBeLessThan(metrics.rmse!);
    expect(typeof own.fit_seconds).toBe('number');

    const bytes = await readFile(path.join(cell.output, 'predictions.parquet'));
    expect((await python(['train.py'], GBR_DIR, cell.vars)).code).toBe(0);
    expect((await readFile(path.join(cell.output, 'predictions.parquet'))).equals(bytes)).toBe(true);
    expect((await readdir(GBR_DIR)).sort()).toEqual(before);
  }, 300_000);

  it('writes class labels and proba_<class> columns the harness scores, log loss included', async () => {
    const seoul = await readParquetFile(path.join(repoRoot, 'data/housing/seoul.parquet'));
    const price = seoul.columns.price as Float64Array;
    const median = [...price].sort((a, b) => a - b)[Math.floor(price.length / 2)]!;
    const names = [...seoul.names.filter((n) => n !== 'price'), 'tier'];
    const tiers: Table = {
      names,
      columns: { ...seoul.columns, tier: Array.from(price, (p) => (p > median ? 'dear' : 'cheap')) },
      numRows: seoul.numRows,
    };
    delete tiers.columns.price;
    const cell = await stage('centroids', tiers, 'tier', 'classification');
    const model = path.join(scratch, 'centroids-model');
    await mkdir(model, { recursive: true });
    await writeFile(path.join(model, 'train.py'), NEAREST_CENTROID);

    const run = await python(['train.py'], model, cell.vars);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const predictions = await readParquetFile(path.join(cell.output, 'predictions.parquet'));
    expect(predictions.names).toEqual(['prediction', 'proba_cheap', 'proba_dear']);
    const metrics = score({ task: 'classification', metrics: ['accuracy', 'f1', 'logloss'], labels: cell.labels, predictions });
    expect(metrics.accuracy).toBeGreaterThan(0.7);
    expect(metrics.f1).toBeGreaterThan(0.6);
    expect(metrics.logloss).toBeGreaterThan(0);
    expect(metrics.logloss).toBeLessThan(0.7);
  }, 120_000);

  it('stops a model that writes bad predictions with exit code 1 and one line on stderr', async () => {
    const seoul = await readParquetFile(path.join(repoRoot, 'data/housing/seoul.parquet'));
    const cell = await stage('bad', seoul, 'price', 'regression');
    const model = path.join(scratch, 'bad-model');
    await mkdir(model, { recursive: true });
    await writeFile(
      path.join(model, 'train.py'),
      'from mxn_model_kit import run, write_predictions\nrun(lambda task: write_predictions(task, [float("nan")] * len(task.test)))\n',
    );
    const run = await python(['train.py'], model, cell.vars);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `mxn_model_kit: ${cell.testRows} of ${cell.testRows} predictions are NaN or infinite (first at row 0); ` +
        `every value must be a finite number\n`,
    );
    expect(existsSync(path.join(cell.output, 'predictions.parquet'))).toBe(false);
  }, 60_000);
});

/**
 * A tiny classifier through the kit: nearest class centroid on standardised numeric features,
 * softmax of −distance²/2 as probabilities.
 */
const NEAREST_CENTROID = `
import numpy as np
from mxn_model_kit import run, write_metrics, write_predictions


def train(task):
    numeric = [c for c in task.feature_columns if c not in task.categorical_columns]
    raw = task.train[numeric].to_numpy(dtype=float)
    mean, sd = np.nanmean(raw, axis=0), np.nanstd(raw, axis=0)
    sd[sd == 0] = 1
    scale = lambda frame: np.nan_to_num((frame[numeric].to_numpy(dtype=float) - mean) / sd)
    x, y = scale(task.train), task.y_train.to_numpy()
    centroids = np.stack([x[y == c].mean(axis=0) for c in task.classes])
    logits = -((scale(task.test)[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2) / 2
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    write_predictions(task, task.classes[proba.argmax(axis=1)], proba)
    write_metrics(task, {"classes": len(task.classes), "features": len(numeric)})


run(train)
`;
