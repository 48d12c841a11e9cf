import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readParquetFile } from '@mxn/data';
import type { ModelKitError } from './errors.js';
import { writeModelMetrics, writePredictions } from './task-outputs.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'model-kit-outputs-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writePredictions', () => {
  it('writes predictions.parquet with a numeric prediction column into MXN_OUTPUT_DIR', async () => {
    const out = join(dir, 'numbers');
    const path = await writePredictions([1.5, 2.5, -3], { env: { MXN_OUTPUT_DIR: out }, expectedRows: 3 });
    expect(path).toBe(join(out, 'predictions.parquet'));
    const table = await readParquetFile(path);
    expect(table.names).toEqual(['prediction']);
    expect(Array.from(table.columns.prediction as Float64Array)).toEqual([1.5, 2.5, -3]);
  });

  it('writes class labels as strings and probabilities as proba_<class> columns', async () => {
    const out = join(dir, 'classes');
    await writePredictions(['yes', 'no'], {
      outputDir: out,
      probabilities: { yes: Float64Array.of(0.8, 0.3), no: [0.2, 0.7] },
    });
    const table = await readParquetFile(join(out, 'predictions.parquet'));
    expect(table.names).toEqual(['prediction', 'proba_yes', 'proba_no']);
    expect(table.columns.prediction).toEqual(['yes', 'no']);
    expect(Array.from(table.columns.proba_no as Float64Array)).toEqual([0.2, 0.7]);
  });

  it('rejects non-finite predictions, naming the row', async () => {
    const error = await writePredictions(Float64Array.of(1, NaN), { outputDir: join(dir, 'nan') }).catch((e: unknown) => e);
    expect((error as ModelKitError).code).toBe('InvalidPredictions');
    expect((error as Error).message).toContain('prediction[1] is NaN');
  });

  it('rejects a count that differs from the test rows, and probabilities of the wrong length', async () => {
    await expect(writePredictions([1, 2], { outputDir: join(dir, 'short'), expectedRows: 3 })).rejects.toThrow(
      'got 2 predictions for 3 test rows',
    );
    await expect(writePredictions(['a', 'b'], { outputDir: join(dir, 'short'), probabilities: { a: [1] } })).rejects.toThrow(
      'proba_a has 1 values for 2 predictions',
    );
  });

  it('names MXN_OUTPUT_DIR when it is not set', async () => {
    await expect(writePredictions([1], { env: {} })).rejects.toThrow('MXN_OUTPUT_DIR');
  });
});

describe('writeModelMetrics', () => {
  it('writes metrics.json with the given numbers', async () => {
    const out = join(dir, 'metrics');
    const path = await writeModelMetrics({ train_rmse: 1.25, fit_seconds: 0.5 }, { env: { MXN_OUTPUT_DIR: out } });
    expect(path).toBe(join(out, 'metrics.json'));
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ train_rmse: 1.25, fit_seconds: 0.5 });
  });
});
