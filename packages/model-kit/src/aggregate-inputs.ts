import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readParquetFile } from '@mxn/data';
import type { Table } from '@mxn/data';
import { ModelKitError } from './errors.js';
import { TASK_ENV, requireEnv } from './task-env.js';
import type { Env } from './task-env.js';

/**
 * The aggregate step's `manifest.json`, as @mxn/core's `AggregateManifest` writes it (repeated here
 * so that an aggregate image needs only this package).
 */
export interface AggregateManifest {
  version: 1;
  experiment: string;
  runId: string;
  target: string;
  cells: Array<{
    id: string;
    model: string;
    dataset: string;
    /** As read: `pending` cells (written before they ran, on cloud backends) are resolved from `<dir>/exit_code`. */
    status: 'succeeded' | 'failed' | 'cancelled' | 'cached';
    /** Folder of the cell's outputs, relative to the aggregate's MXN_INPUT_DIR. */
    dir: string;
  }>;
}

export interface AggregateInputs {
  manifest: AggregateManifest;
  inputDir: string;
  outputDir: string;
}

/** Reads `MXN_INPUT_DIR/manifest.json` for the fan-in step; throws `MissingEnv` / `InvalidInput` with the reason. */
export async function readAggregateInputs(options: { env?: Env } = {}): Promise<AggregateInputs> {
  const env = options.env ?? process.env;
  const inputDir = requireEnv(env, TASK_ENV.inputDir);
  const outputDir = requireEnv(env, TASK_ENV.outputDir);
  const path = join(inputDir, 'manifest.json');
  let manifest: AggregateManifest;
  try {
    manifest = JSON.parse(await readFile(path, 'utf8')) as AggregateManifest;
  } catch (error) {
    throw new ModelKitError('InvalidInput', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (manifest === null || typeof manifest !== 'object' || !Array.isArray(manifest.cells)) {
    throw new ModelKitError('InvalidInput', `${path} has no "cells" list`);
  }
  manifest = { ...manifest, cells: await Promise.all(manifest.cells.map((cell) => resolvePending(inputDir, cell))) };
  return { manifest, inputDir, outputDir };
}

/**
 * A cloud fan-in writes the manifest before its cells run, with status `pending`; the outcome is then
 * the cell's `exit_code` file: 0 → succeeded, anything else (or no file: it never finished) → failed.
 */
async function resolvePending(inputDir: string, cell: AggregateManifest['cells'][number]): Promise<AggregateManifest['cells'][number]> {
  if ((cell.status as string) !== 'pending') return cell;
  const text = await readFile(join(inputDir, cell.dir, 'exit_code'), 'utf8').catch(() => undefined);
  return { ...cell, status: text !== undefined && text.trim() === '0' ? 'succeeded' : 'failed' };
}

/** Reads one cell's `predictions.parquet` from the aggregate's input folder. */
export async function readCellPredictions(inputDir: string, cell: Pick<AggregateManifest['cells'][number], 'id' | 'dir'>): Promise<Table> {
  const path = join(inputDir, cell.dir, 'predictions.parquet');
  try {
    return await readParquetFile(path);
  } catch (error) {
    throw new ModelKitError('InvalidInput', `cell ${cell.id}: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}
