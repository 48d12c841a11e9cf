/**
 * A column-oriented table: the one in-memory shape mxn uses for parquet data.
 * Numeric columns are Float64Array (nulls as NaN); everything else is an array of strings (or null).
 */
export type Column = Float64Array | Array<string | null>;

export interface Table {
  /** Column names in file order. */
  names: string[];
  columns: Record<string, Column>;
  numRows: number;
  /**
   * The type each column had in its file (or was inferred from a CSV), so it is written back the same
   * way: an int64 stays INT64, a date stays a DATE. A column without one is written from its kind.
   */
  types?: Record<string, ColumnType>;
}

/**
 * A column's parquet type, kept next to its values. Values in the `Float64Array`: integers and
 * decimals as numbers, bools as 0/1, dates and timestamps as epoch milliseconds (fractional below one).
 * An int64 column with a value beyond ±2^53 is held as decimal-digit strings instead, so it stays exact.
 */
export type ColumnType =
  | { kind: 'int32' | 'int64' | 'float' | 'double' | 'bool' | 'string' | 'date' }
  | { kind: 'timestamp'; unit: 'MILLIS' | 'MICROS' | 'NANOS'; utc: boolean }
  | { kind: 'decimal'; precision: number; scale: number };

export interface ColumnInfo {
  name: string;
  /** `number` for numeric parquet types, `string` for byte arrays/strings, `boolean`, or `other`. */
  type: 'number' | 'string' | 'boolean' | 'other';
  /** The column's type in detail when mxn keeps it (int64, date, timestamp, …); see `describeType`. */
  detail?: ColumnType;
}

/** What a parquet file's footer says, read without loading its rows. */
export interface ParquetSchemaInfo {
  columns: ColumnInfo[];
  numRows: number;
}

/** `int64`, `timestamp[us, UTC]`, `decimal(10,2)`: a column type as the plan and messages show it. */
export function describeType(type: ColumnType): string {
  if (type.kind === 'timestamp') return `timestamp[${TIME_UNITS[type.unit]}${type.utc ? ', UTC' : ''}]`;
  if (type.kind === 'decimal') return `decimal(${type.precision},${type.scale})`;
  return type.kind;
}

const TIME_UNITS = { MILLIS: 'ms', MICROS: 'us', NANOS: 'ns' } as const;
