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
}

export interface ColumnInfo {
  name: string;
  /** `number` for numeric parquet types, `string` for byte arrays/strings, `boolean`, or `other`. */
  type: 'number' | 'string' | 'boolean' | 'other';
}

/** What a parquet file's footer says, read without loading its rows. */
export interface ParquetSchemaInfo {
  columns: ColumnInfo[];
  numRows: number;
}
