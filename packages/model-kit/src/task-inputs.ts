import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { readParquetFile } from '@mxn/data';
import type { Table } from '@mxn/data';
import { ModelKitError } from './errors.js';
import { TASK_ENV, readParams, requireEnv } from './task-env.js';
import type { Env } from './task-env.js';

/** Everything a task is given: its data, what to predict, its parameters and its names. */
export interface TaskInputs {
  /** `train.parquet`: features and the target column. */
  train: Table;
  /** `test.parquet`: the rows to predict, features only (the held-out labels stay with the harness). */
  test: Table;
  /** Name of the target column (`MXN_TARGET`). */
  target: string;
  /** The variant's parameters (`MXN_PARAMS`, a JSON object; `{}` when unset). */
  params: Record<string, unknown>;
  cellId: string;
  model: string;
  dataset: string;
  inputDir: string;
  outputDir: string;
}

export interface ReadTaskInputsOptions {
  /** Where to read the protocol variables from. Default: `process.env`. */
  env?: Env;
}

/**
 * Reads a task's inputs as the task protocol hands them over: `MXN_INPUT_DIR/{train,test}.parquet`,
 * `MXN_TARGET`, `MXN_PARAMS`, `MXN_CELL_ID`, `MXN_MODEL`, `MXN_DATASET`, `MXN_OUTPUT_DIR`.
 * Every variable except `MXN_PARAMS` is required; a missing one throws `MissingEnv` naming it.
 * Throws `InvalidInput` when a file cannot be read or train lacks the target column.
 */
export async function readTaskInputs(options: ReadTaskInputsOptions = {}): Promise<TaskInputs> {
  const env = options.env ?? process.env;
  const inputDir = requireEnv(env, TASK_ENV.inputDir);
  const outputDir = requireEnv(env, TASK_ENV.outputDir);
  const target = requireEnv(env, TASK_ENV.target);
  const cellId = requireEnv(env, TASK_ENV.cellId);
  const model = requireEnv(env, TASK_ENV.model);
  const dataset = requireEnv(env, TASK_ENV.dataset);
  const params = readParams(env);

  const train = await readInput(join(inputDir, 'train.parquet'));
  const test = await readInput(join(inputDir, 'test.parquet'));
  if (!train.names.includes(target)) {
    throw new ModelKitError('InvalidInput', `train.parquet has no target column "${target}" (columns: ${train.names.join(', ')})`);
  }
  return { train, test, target, params, cellId, model, dataset, inputDir, outputDir };
}

async function readInput(path: string): Promise<Table> {
  try {
    await access(path);
  } catch (error) {
    throw new ModelKitError('InvalidInput', `input file ${path} does not exist (is ${TASK_ENV.inputDir} right?)`, { cause: error });
  }
  try {
    return await readParquetFile(path);
  } catch (error) {
    throw new ModelKitError('InvalidInput', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}
