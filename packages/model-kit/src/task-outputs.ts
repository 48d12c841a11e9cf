import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeParquetFile } from '@mxn/data';
import type { Column, Table } from '@mxn/data';
import { ModelKitError } from './errors.js';
import { resolveOutputDir } from './task-env.js';
import type { Env } from './task-env.js';

export type Predictions = Float64Array | ArrayLike<number> | string[];

export interface WritePredictionsOptions {
  /** Class probabilities (classification): one column per class, written as `proba_<class>`. */
  probabilities?: Record<string, Float64Array | ArrayLike<number>>;
  /** When given, the number of predictions must equal it (pass `test.numRows`). */
  expectedRows?: number;
  /** Folder to write to. Default: `MXN_OUTPUT_DIR`. */
  outputDir?: string;
  /** File name inside the folder. Default `predictions.parquet` (what the harness scores); change it only for extra outputs. */
  fileName?: string;
  /** Where to read `MXN_OUTPUT_DIR` from. Default: `process.env`. */
  env?: Env;
}

/**
 * Writes `predictions.parquet`: one row per test row, in order, column `prediction` (numbers for
 * regression, strings for class labels) plus `proba_<class>` columns when probabilities are given.
 * Rejects non-finite numbers and length mismatches with `InvalidPredictions`. Returns the file path.
 */
export async function writePredictions(values: Predictions, options: WritePredictionsOptions = {}): Promise<string> {
  const outputDir = resolveOutputDir(options.outputDir, options.env ?? process.env);
  const prediction = toColumn(values);
  const rows = prediction.length;
  if (options.expectedRows !== undefined && rows !== options.expectedRows) {
    throw new ModelKitError('InvalidPredictions', `got ${rows} predictions for ${options.expectedRows} test rows`);
  }
  const names = ['prediction'];
  const columns: Record<string, Column> = { prediction };
  for (const [label, probs] of Object.entries(options.probabilities ?? {})) {
    const name = `proba_${label}`;
    if (columns[name] !== undefined) throw new ModelKitError('InvalidPredictions', `duplicate probability column ${name}`);
    const col = toNumbers(probs, name);
    if (col.length !== rows) {
      throw new ModelKitError('InvalidPredictions', `${name} has ${col.length} values for ${rows} predictions`);
    }
    names.push(name);
    columns[name] = col;
  }
  const table: Table = { names, columns, numRows: rows };
  const path = join(outputDir, options.fileName ?? 'predictions.parquet');
  try {
    await writeParquetFile(path, table);
  } catch (error) {
    throw new ModelKitError('OutputError', `cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
  return path;
}

export interface WriteModelMetricsOptions {
  /** Folder to write to. Default: `MXN_OUTPUT_DIR`. */
  outputDir?: string;
  /** Where to read `MXN_OUTPUT_DIR` from. Default: `process.env`. */
  env?: Env;
}

/** Writes the model's own numbers (e.g. train rmse, fit time) as `metrics.json`. Returns the file path. */
export async function writeModelMetrics(metrics: Record<string, unknown>, options: WriteModelMetricsOptions = {}): Promise<string> {
  const outputDir = resolveOutputDir(options.outputDir, options.env ?? process.env);
  const path = join(outputDir, 'metrics.json');
  try {
    await mkdir(outputDir, { recursive: true });
    await writeFile(path, `${JSON.stringify(metrics, null, 2)}\n`);
  } catch (error) {
    throw new ModelKitError('OutputError', `cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
  return path;
}

function toColumn(values: Predictions): Column {
  if (Array.isArray(values) && values.some((v) => typeof v === 'string')) {
    if (!values.every((v) => typeof v === 'string')) {
      throw new ModelKitError('InvalidPredictions', 'predictions mix strings and numbers');
    }
    return [...(values as string[])];
  }
  return toNumbers(values as ArrayLike<number>, 'prediction');
}

function toNumbers(values: ArrayLike<number>, name: string): Float64Array {
  const out = Float64Array.from(values as ArrayLike<number>);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      throw new ModelKitError('InvalidPredictions', `${name}[${i}] is ${String(values[i])}; every value must be a finite number`);
    }
  }
  return out;
}
