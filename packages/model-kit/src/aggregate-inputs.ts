import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readParquetFile } from '@mxn/data';
import type { Table } from '@mxn/data';
import { ModelKitError } from './errors.js';
import type { AggregateManifest, ManifestCellStatus } from './protocol.js';
import { TASK_ENV, requireEnv } from './task-env.js';
import type { Env } from './task-env.js';

/** The manifest as the aggregate step reads it: every status final. */
export type ResolvedManifest = AggregateManifest<ManifestCellStatus>;

export interface AggregateInputs {
  manifest: ResolvedManifest;
  inputDir: string;
  outputDir: string;
}

/** Reads `MXN_INPUT_DIR/manifest.json` for the fan-in step; throws `MissingEnv` / `InvalidInput` with the reason. */
export async function readAggregateInputs(options: { env?: Env } = {}): Promise<AggregateInputs> {
  const env = options.env ?? process.env;
  const inputDir = requireEnv(env, TASK_ENV.inputDir);
  const outputDir = requireEnv(env, TASK_ENV.outputDir);
  const path = join(inputDir, 'manifest.json');
  let written: AggregateManifest;
  try {
    written = JSON.parse(await readFile(path, 'utf8')) as AggregateManifest;
  } catch (error) {
    throw new ModelKitError('InvalidInput', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (written === null || typeof written !== 'object' || !Array.isArray(written.cells)) {
    throw new ModelKitError('InvalidInput', `${path} has no "cells" list`);
  }
  const manifest: ResolvedManifest = { ...written, cells: await Promise.all(written.cells.map((cell) => resolvePending(inputDir, cell))) };
  return { manifest, inputDir, outputDir };
}

/**
 * A cloud fan-in writes the manifest before its cells run, with status `pending`; the outcome is then
 * the cell's `exit_code` file: 0 → succeeded, anything else (or no file: it never finished) → failed.
 */
async function resolvePending(inputDir: string, cell: AggregateManifest['cells'][number]): Promise<ResolvedManifest['cells'][number]> {
  if (cell.status !== 'pending') return { ...cell, status: cell.status };
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
