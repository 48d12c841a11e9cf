import type { Table } from '@mxn/data';
import { ModelKitError } from './errors.js';

export interface FeaturesOptions {
  /** The target column; it is never a feature, and may be absent from the tables given to `transform`. */
  target?: string;
  /**
   * How string columns become numbers. `'onehot'` (default): one 0/1 column per level seen in the
   * fitted table; a level not seen there (or null) encodes as all zeros. `'ordinal'`: one column
   * holding the level's rank, levels ordered by their mean target when the fitted table has the
   * target (so trees can split them like numbers), else by name; unseen levels and null get -1.
   * `'drop'`: string columns are left out.
   */
  categorical?: 'onehot' | 'ordinal' | 'drop';
  /** Standardise numeric columns to mean 0 and standard deviation 1, as fitted. One-hot columns stay 0/1. Default `true`. */
  standardize?: boolean;
  /** Further columns to leave out. Default: none. */
  exclude?: string[];
  /** Most levels kept per string column, most frequent first (ties by name); rarer levels encode as all zeros. Default `50`. */
  maxLevels?: number;
}

interface NumericFeature {
  kind: 'numeric';
  column: string;
  /** Fitted mean: missing values (NaN) are replaced by it. */
  mean: number;
  /** Divisor: the fitted standard deviation when standardising (1 when it is 0), else 1. */
  scale: number;
  /** Subtracted before scaling: the mean when standardising, else 0. */
  center: number;
}

interface OneHotFeature {
  kind: 'onehot';
  column: string;
  levels: string[];
}

interface OrdinalFeature {
  kind: 'ordinal';
  column: string;
  /** Levels in rank order. */
  levels: string[];
}

type Feature = NumericFeature | OneHotFeature | OrdinalFeature;

/** A feature encoding fitted on one table (train) and applied to any table with the same columns (train, test). */
export interface FeatureEncoder {
  /** Names of the matrix columns, in order: numeric columns as they are named, one-hot columns as `<column>=<level>`. */
  readonly names: string[];
  /** Encodes `table` as rows of numbers (`table.numRows` rows of `names.length` values). */
  transform(table: Table): number[][];
}

/**
 * Fits a feature encoding on `table` (usually train): every column except the target and `exclude`,
 * numbers standardised and strings one-hot encoded with the levels seen here. Apply it with
 * `transform` to train and test alike, so test is scaled with train's statistics.
 */
export function features(table: Table, options: FeaturesOptions = {}): FeatureEncoder {
  const categorical = options.categorical ?? 'onehot';
  const standardize = options.standardize ?? true;
  const maxLevels = options.maxLevels ?? 50;
  const skip = new Set([...(options.exclude ?? []), ...(options.target === undefined ? [] : [options.target])]);
  if (table.numRows === 0) throw new ModelKitError('InvalidFeatures', 'cannot fit features on an empty table');

  const fitted: Feature[] = [];
  for (const name of table.names) {
    if (skip.has(name)) continue;
    const col = table.columns[name];
    if (col instanceof Float64Array) fitted.push(fitNumeric(name, col, standardize));
    else if (col !== undefined && categorical === 'onehot') fitted.push(fitOneHot(name, col, maxLevels));
    else if (col !== undefined && categorical === 'ordinal') fitted.push(fitOrdinal(name, col, targetColumn(table, options.target)));
  }
  const names = fitted.flatMap((f) => (f.kind === 'onehot' ? f.levels.map((level) => `${f.column}=${level}`) : [f.column]));
  if (names.length === 0)
    throw new ModelKitError('InvalidFeatures', 'no feature columns left after leaving out the target and excluded columns');
  return { names, transform: (t) => transform(fitted, names.length, t) };
}

/** The target column as numbers; throws `InvalidFeatures` when it is missing or not numeric. */
export function targetValues(table: Table, target: string): Float64Array {
  const col = table.columns[target];
  if (!(col instanceof Float64Array)) {
    throw new ModelKitError(
      'InvalidFeatures',
      col === undefined ? `target column "${target}" not found` : `target column "${target}" is not numeric`,
    );
  }
  return col;
}

function fitNumeric(column: string, values: Float64Array, standardize: boolean): NumericFeature {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (!Number.isNaN(v)) {
      sum += v;
      count++;
    }
  }
  const mean = count === 0 ? 0 : sum / count;
  let squares = 0;
  for (const v of values) if (!Number.isNaN(v)) squares += (v - mean) ** 2;
  const sd = count === 0 ? 0 : Math.sqrt(squares / count);
  return { kind: 'numeric', column, mean, center: standardize ? mean : 0, scale: standardize && sd > 0 ? sd : 1 };
}

function fitOneHot(column: string, values: Array<string | null>, maxLevels: number): OneHotFeature {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  const levels = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, maxLevels)
    .map(([level]) => level)
    .sort();
  return { kind: 'onehot', column, levels };
}

function targetColumn(table: Table, target: string | undefined): Float64Array | undefined {
  const col = target === undefined ? undefined : table.columns[target];
  return col instanceof Float64Array ? col : undefined;
}

function fitOrdinal(column: string, values: Array<string | null>, target: Float64Array | undefined): OrdinalFeature {
  const sums = new Map<string, { sum: number; count: number }>();
  values.forEach((v, i) => {
    if (v === null) return;
    const entry = sums.get(v) ?? { sum: 0, count: 0 };
    const y = target?.[i];
    if (y !== undefined && !Number.isNaN(y)) {
      entry.sum += y;
      entry.count++;
    }
    sums.set(v, entry);
  });
  const meanOf = (level: string): number => {
    const e = sums.get(level);
    return e === undefined || e.count === 0 ? 0 : e.sum / e.count;
  };
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const levels = [...sums.keys()].sort((a, b) => (target === undefined ? byName(a, b) : meanOf(a) - meanOf(b) || byName(a, b)));
  return { kind: 'ordinal', column, levels };
}

function transform(fitted: Feature[], width: number, table: Table): number[][] {
  const rows: number[][] = Array.from({ length: table.numRows }, () => new Array<number>(width).fill(0));
  let offset = 0;
  for (const feature of fitted) {
    const col = table.columns[feature.column];
    if (col === undefined) {
      throw new ModelKitError(
        'InvalidFeatures',
        `column "${feature.column}" was fitted but is missing (columns: ${table.names.join(', ')})`,
      );
    }
    if (feature.kind === 'numeric') {
      if (!(col instanceof Float64Array))
        throw new ModelKitError('InvalidFeatures', `column "${feature.column}" was numeric when fitted but holds strings here`);
      for (let i = 0; i < table.numRows; i++) {
        const v = col[i] as number;
        (rows[i] as number[])[offset] = ((Number.isNaN(v) ? feature.mean : v) - feature.center) / feature.scale;
      }
      offset += 1;
    } else if (feature.kind === 'ordinal') {
      if (col instanceof Float64Array)
        throw new ModelKitError('InvalidFeatures', `column "${feature.column}" held strings when fitted but is numeric here`);
      const rank = new Map(feature.levels.map((level, i) => [level, i]));
      for (let i = 0; i < table.numRows; i++) {
        const v = col[i];
        (rows[i] as number[])[offset] = v === null || v === undefined ? -1 : (rank.get(v) ?? -1);
      }
      offset += 1;
    } else {
      if (col instanceof Float64Array)
        throw new ModelKitError('InvalidFeatures', `column "${feature.column}" held strings when fitted but is numeric here`);
      const index = new Map(feature.levels.map((level, i) => [level, i]));
      for (let i = 0; i < table.numRows; i++) {
        const v = col[i];
        const at = v === null || v === undefined ? undefined : index.get(v);
        if (at !== undefined) (rows[i] as number[])[offset + at] = 1;
      }
      offset += feature.levels.length;
    }
  }
  return rows;
}
