import { DataError } from './errors.js';
import { shuffledIndices } from './random.js';
import { selectRows } from './table-ops.js';
import type { Table } from './table.js';

export interface SplitOptions {
  /** Fraction of rows held out for testing, strictly between 0 and 1 (e.g. 0.2). */
  test: number;
  /** Integer seed; the same seed and row count always give the same split. */
  seed: number;
}

/** Row indices of each side of a split, each in ascending (file) order. */
export interface SplitIndices {
  train: Uint32Array;
  test: Uint32Array;
}

/**
 * Chooses which rows go to each side: shuffles 0..n-1 with a seeded PRNG, takes the first
 * round(n × test) as the test side, and sorts both sides so rows keep their file order.
 */
export function splitIndices(numRows: number, options: SplitOptions): SplitIndices {
  const { test, seed } = options;
  if (!(typeof test === 'number' && test > 0 && test < 1)) {
    throw new DataError('InvalidSplit', `split.test must be a fraction strictly between 0 and 1, got ${String(test)}`);
  }
  if (!Number.isSafeInteger(seed)) {
    throw new DataError('InvalidSplit', `split.seed must be an integer, got ${String(seed)}`);
  }
  const nTest = Math.round(numRows * test);
  const problem = emptySplitProblem(numRows, test);
  if (problem) throw new DataError('EmptySplit', problem);
  const order = shuffledIndices(numRows, seed);
  const testIdx = order.slice(0, nTest).sort();
  const trainIdx = order.subarray(nTest).sort();
  return { train: trainIdx, test: testIdx };
}

/**
 * Why a split of `numRows` rows with fraction `test` would leave a side empty, or undefined when both
 * sides get rows. The same rule for the split itself and for `validate`, which knows row counts from footers.
 */
export function emptySplitProblem(numRows: number, test: number): string | undefined {
  const nTest = Math.round(numRows * test);
  if (nTest > 0 && nTest < numRows) return undefined;
  const side = nTest === 0 ? 'test' : 'train';
  return (
    `split.test ${test} of ${numRows} rows leaves the ${side} side empty ` +
    `(test would have ${nTest} rows); use a larger dataset or another fraction`
  );
}

/**
 * Splits a table into train and test rows, deterministically from `seed`.
 * Holds the index array plus the two output tables; rows keep their original order on each side.
 */
export function splitTable(table: Table, options: SplitOptions): { train: Table; test: Table } {
  const idx = splitIndices(table.numRows, options);
  return { train: selectRows(table, idx.train), test: selectRows(table, idx.test) };
}
