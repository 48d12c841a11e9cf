import { DataError } from './errors.js';
import { splitTable } from './split.js';
import type { SplitSpec } from './split.js';
import { listNames, selectColumns } from './table-ops.js';
import type { Column, Table } from './table.js';

export interface PrepareOptions {
  /** Name of the target (label) column. */
  target: string;
  /** How to hold out test rows when no `testTable` is given. */
  split?: SplitSpec;
  /** A separate held-out table (with the target column); when given, `split` is ignored. */
  testTable?: Table;
}

/** What a cell needs: the model's inputs and the labels the harness keeps. */
export interface CellInputs {
  /** Training rows, target column included. */
  train: Table;
  /** Held-out rows, features only (train's columns minus the target, in train's order). */
  test: Table;
  /** The held-out target values: a table with just the target column, row-aligned with `test`. */
  labels: Table;
}

/**
 * Makes a cell's train/test inputs from a dataset: splits it with `split`, or uses `testTable` as the
 * held-out rows. The target is removed from the test side and kept apart as `labels`.
 */
export function prepareCellInputs(table: Table, options: PrepareOptions): CellInputs {
  const { target } = options;
  if (!(target in table.columns)) {
    throw new DataError('TargetMissing', `target column "${target}" not found (columns: ${listNames(table.names)})`, {
      hint: 'set evaluation.target to one of these columns',
    });
  }
  let train: Table;
  let heldOut: Table;
  if (options.testTable !== undefined) {
    train = table;
    heldOut = options.testTable;
    if (!(target in heldOut.columns)) {
      throw new DataError('TargetMissing', `target column "${target}" not found in the test table (columns: ${listNames(heldOut.names)})`);
    }
    const missing = table.names.filter((n) => !(n in heldOut.columns));
    if (missing.length > 0) {
      throw new DataError('ColumnMismatch', `the test table lacks training columns ${listNames(missing)}`);
    }
    if (heldOut.numRows === 0) throw new DataError('EmptySplit', 'the test table has no rows');
    if (train.numRows === 0) throw new DataError('EmptySplit', 'the training table has no rows');
  } else if (options.split !== undefined) {
    ({ train, test: heldOut } = splitTable(table, options.split, target));
  } else {
    throw new DataError('InvalidSplit', 'no test table and no split given: one of them is needed to hold out rows', {
      hint: 'give the dataset a test: file, or set evaluation.split (e.g. { test: 0.2, seed: 42 })',
    });
  }
  for (const [side, rows] of [
    ['training', train],
    ['test', heldOut],
  ] as const) {
    if (!hasValue(rows.columns[target] as Column)) {
      throw new DataError('EmptyTarget', `target column "${target}" has no value in any of the ${rows.numRows} ${side} rows`, {
        hint: 'fill in the target, or choose another evaluation.target',
      });
    }
  }
  const features = train.names.filter((n) => n !== target);
  return {
    train,
    test: selectColumns(heldOut, features),
    labels: selectColumns(heldOut, [target]),
  };
}

function hasValue(col: Column): boolean {
  if (col instanceof Float64Array) return col.some((v) => !Number.isNaN(v));
  return col.some((v) => v !== null);
}
