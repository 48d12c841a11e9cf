import { ExperimentError } from '@mxn/core';
import { exitCodeOf, formatErrorLines } from '@mxn/errors';
import { red, type Output } from './output.js';

/**
 * Prints an error the way every command ends with one, and returns its exit code: the message after
 * `error`, `hint: …` when there is one, with `verbose` the stack and causes; the code by the one
 * mapping of @mxn/errors (input 2, failure 1, cancelled 130). An experiment's problems are listed
 * with their count instead.
 */
export function reportError(error: unknown, output: Output, verbose = false): number {
  if (error instanceof ExperimentError) {
    output.err.write(
      `${error.message}\n${red(output, `${error.issues.length} problem${error.issues.length === 1 ? '' : 's'}`)}; nothing was run\n`,
    );
    return exitCodeOf(error);
  }
  const [first = '', ...rest] = formatErrorLines(error, { verbose });
  output.err.write(`${red(output, 'error')} ${first}\n${rest.map((line) => `${line}\n`).join('')}`);
  return exitCodeOf(error);
}
