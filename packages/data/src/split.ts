import { createHash } from 'node:crypto';
import { DataError } from './errors.js';
import { shuffledIndices } from './random.js';
import { listNames, selectRows } from './table-ops.js';
import type { Column, ColumnType, Table } from './table.js';

export interface SplitOptions {
  /** Fraction of rows held out for testing, strictly between 0 and 1 (e.g. 0.2). */
  test: number;
  /** Integer seed; the same seed and row count always give the same split. */
  seed: number;
}

/**
 * How a dataset is split (`evaluation.split`): at random by default; with `stratify`, per class of
 * the target; with `group`, whole groups (one column's values) to one side; with `by` and
 * `test_from`, in order: rows whose `by` is at least `test_from` are the test side (a time split).
 */
export interface SplitSpec extends SplitOptions {
  /** Classification: hold out the fraction `test` of every class of the target. */
  stratify?: boolean;
  /** Column whose rows of one value (one building, one customer) never sit on both sides. */
  group?: string;
  /** Ordered split: the column to compare with `test_from` (dates, timestamps, numbers or strings). */
  by?: string;
  /** Ordered split: the first value of the test side. */
  test_from?: string | number;
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
  checkFraction(options);
  const { test, seed } = options;
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
 * Splits a table into train and test rows, deterministically (see `SplitSpec`); `target` is the
 * column a stratified split keeps the proportions of. Rows keep their original order on each side.
 */
export function splitTable(table: Table, options: SplitSpec, target?: string): { train: Table; test: Table } {
  const idx = splitRows(table, options, target);
  return { train: selectRows(table, idx.train), test: selectRows(table, idx.test) };
}

/** Rows on each side of a split. */
export interface SideCounts {
  train: number;
  test: number;
}

/**
 * The one column a split reads besides the row count: `by`, `group`, or the target of a stratified
 * split; none for a random split, whose sides follow from the row count alone.
 */
export function splitColumn(options: SplitSpec, target: string): string | undefined {
  if (options.by !== undefined) return options.by;
  if (options.group !== undefined) return options.group;
  return options.stratify ? target : undefined;
}

/**
 * How many rows each side of the split gets, from a table that needs only the `splitColumn`: the same
 * rows `splitTable` would choose, so the plan can say it before the dataset is staged. Throws as `splitTable` does.
 */
export function countSplitSides(table: Table, options: SplitSpec, target: string): SideCounts {
  const idx = splitRows(table, options, target);
  return { train: idx.train.length, test: idx.test.length };
}

/** The rows of each side of `table` under `options` (see `SplitSpec`). */
function splitRows(table: Table, options: SplitSpec, target?: string): SplitIndices {
  if (options.by !== undefined) return orderedSplit(table, options.by, options.test_from);
  if (options.group !== undefined) return groupSplit(table, options.group, options);
  if (options.stratify) {
    if (target === undefined) throw new DataError('InvalidSplit', 'a stratified split needs the target column');
    return stratifiedSplit(table, target, options);
  }
  return splitIndices(table.numRows, options);
}

/** One line naming a split as the plan and the summary show it: `random 20% (seed 42)`, `time: sold_at >= 2024-01-01`. */
export function describeSplit(options: SplitSpec): string {
  if (options.by !== undefined) return `ordered: ${options.by} >= ${String(options.test_from)} is test`;
  const share = `${Math.round(options.test * 1000) / 10}% test, seed ${options.seed}`;
  if (options.group !== undefined) return `by group ${options.group}: ${share} of groups`;
  return options.stratify ? `stratified by class: ${share}` : `random: ${share}`;
}

function columnOf(table: Table, name: string, role: string): Column {
  const values = table.columns[name];
  if (values === undefined)
    throw new DataError('ColumnMissing', `split.${role} column "${name}" not found (columns: ${listNames(table.names)})`, {
      hint: `set split.${role} to one of these columns`,
    });
  return values;
}

function sides(numRows: number, isTest: (row: number) => boolean, why: (side: 'train' | 'test') => string): SplitIndices {
  const test: number[] = [];
  const train: number[] = [];
  for (let row = 0; row < numRows; row++) (isTest(row) ? test : train).push(row);
  for (const [side, rows] of [
    ['train', train],
    ['test', test],
  ] as const)
    if (rows.length === 0) throw new DataError('EmptySplit', why(side));
  return { train: Uint32Array.from(train), test: Uint32Array.from(test) };
}

/** Rows whose `by` value is at least `from` go to test; a date or timestamp column compares instants. */
function orderedSplit(table: Table, by: string, from: string | number | undefined): SplitIndices {
  const values = columnOf(table, by, 'by');
  if (from === undefined) throw new DataError('InvalidSplit', 'split.by needs split.test_from, the first value of the test side');
  const kind = table.types?.[by]?.kind;
  let isTest: (row: number) => boolean;
  let nulls = 0;
  if (values instanceof Float64Array) {
    const bound = numericBound(by, from, kind);
    for (const value of values) if (Number.isNaN(value)) nulls++;
    isTest = (row) => (values[row] as number) >= bound;
  } else {
    const bound = String(from);
    // int64 beyond 2^53 is held as digits: compare as big integers.
    const big = kind === 'int64' && /^-?\d+$/.test(bound);
    for (const value of values) if (value === null) nulls++;
    isTest = big ? (row) => BigInt(values[row] as string) >= BigInt(bound) : (row) => (values[row] as string) >= bound;
  }
  if (nulls > 0)
    throw new DataError('InvalidSplit', `split.by column "${by}" has no value in ${nulls} rows, which belong to neither side`, {
      hint: `fill in ${by} or drop those rows`,
    });
  return sides(
    table.numRows,
    isTest,
    (side) => `split ${by} >= ${String(from)} leaves the ${side} side empty; choose a test_from inside the range of ${by}`,
  );
}

/** The number a numeric, date or timestamp `by` column is compared with (dates and timestamps as epoch milliseconds). */
function numericBound(by: string, from: string | number, kind: ColumnType['kind'] | undefined): number {
  const bound = numericTestFrom(from, kind);
  if (Number.isNaN(bound))
    throw new DataError('InvalidSplit', `split.test_from ${JSON.stringify(from)} is not a ${kind ?? 'number'} like the column "${by}"`, {
      hint: kind === 'date' || kind === 'timestamp' ? 'write a date such as 2024-01-01 or 2024-01-01T00:00:00Z' : 'write a number',
    });
  return bound;
}

/**
 * The number a numeric, date or timestamp column's values are compared with at `test_from`: a date or
 * timestamp as epoch milliseconds, anything else as a number; NaN when `from` is not one.
 */
export function numericTestFrom(from: string | number, kind: ColumnType['kind'] | undefined): number {
  return kind === 'date' || kind === 'timestamp' ? instantOf(from) : Number(from);
}

/** Epoch milliseconds of a date or timestamp written in the file; a time without a zone is UTC, as the column stores it. */
function instantOf(value: string | number): number {
  if (typeof value === 'number') return value;
  const text = value.trim();
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/i.test(text) || /^\d{4}-\d\d-\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`;
  return Date.parse(zoned);
}

/** Each group (a value of `group`; empty values form one group) goes wholly to one side, chosen by a hash of the value and the seed. */
function groupSplit(table: Table, group: string, options: SplitOptions): SplitIndices {
  checkFraction(options);
  const values = columnOf(table, group, 'group');
  const chosen = new Map<string, boolean>();
  const keyOf = (row: number) => valueKey(values[row]);
  const isTest = (row: number) => {
    const key = keyOf(row);
    let test = chosen.get(key);
    if (test === undefined) {
      const digest = createHash('sha256').update(`${options.seed}\0${key}`).digest();
      test = digest.readUInt32BE(0) / 4294967296 < options.test;
      chosen.set(key, test);
    }
    return test;
  };
  return sides(table.numRows, isTest, (side) => {
    const groups = new Set(Array.from({ length: table.numRows }, (_, row) => keyOf(row))).size;
    return (
      `split.group "${group}" puts all of its ${groups} groups on the ${side === 'test' ? 'train' : 'test'} side, ` +
      'leaving the other empty; use a column with more groups, another seed or another test fraction'
    );
  });
}

/** Per class of the target (nulls as one class), round(n × test) of its rows at random (seeded) go to test. */
function stratifiedSplit(table: Table, target: string, options: SplitOptions): SplitIndices {
  checkFraction(options);
  const values = columnOf(table, target, 'stratify target');
  const classes = new Map<string, number[]>();
  // One seeded order of every row; each class takes its first rows in that order.
  for (const row of shuffledIndices(table.numRows, options.seed)) {
    const key = valueKey(values[row]);
    const rows = classes.get(key);
    if (rows) rows.push(row);
    else classes.set(key, [row]);
  }
  const test = new Set<number>();
  for (const rows of classes.values()) for (const row of rows.slice(0, Math.round(rows.length * options.test))) test.add(row);
  return sides(
    table.numRows,
    (row) => test.has(row),
    (side) =>
      `a stratified split of ${table.numRows} rows in ${classes.size} classes leaves the ${side} side empty; use more rows per class`,
  );
}

/** A value as the key of its group or class: every missing value (null, NaN) is one key. */
function valueKey(value: Column[number] | undefined): string {
  return value === null || (typeof value === 'number' && Number.isNaN(value)) ? '\0null' : String(value);
}

function checkFraction(options: SplitOptions): void {
  if (!(typeof options.test === 'number' && options.test > 0 && options.test < 1))
    throw new DataError('InvalidSplit', `split.test must be a fraction strictly between 0 and 1, got ${String(options.test)}`);
  if (!Number.isSafeInteger(options.seed))
    throw new DataError('InvalidSplit', `split.seed must be an integer, got ${String(options.seed)}`);
}
