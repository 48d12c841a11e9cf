import { describeError } from '@mxn/errors';
import { readTaskInputs } from './task-inputs.js';
import type { ReadTaskInputsOptions, TaskInputs } from './task-inputs.js';

/**
 * A model's main: reads the task inputs, runs `train`, and on any error prints one line
 * (`<cell id>: <message>`, then `hint: …` when the error has one) to stderr and sets a non-zero exit code, as the task protocol expects.
 * Set `MXN_VERBOSE=1` to print the stack too.
 */
export async function runTask(train: (inputs: TaskInputs) => Promise<void> | void, options: ReadTaskInputsOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  let cellId = env.MXN_CELL_ID ?? 'task';
  try {
    const inputs = await readTaskInputs(options);
    cellId = inputs.cellId;
    await train(inputs);
  } catch (error) {
    const err = error as Error;
    const { message, hint } = describeError(error);
    process.stderr.write(`${cellId}: ${message}\n${hint ? `hint: ${hint}\n` : ''}`);
    if (env.MXN_VERBOSE === '1' && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  }
}
