/**
 * What a parquet footer tells without reading a row: the schema, and from the row groups' statistics each
 * column's null count and value range as the split compares values (dates and timestamps as epoch ms,
 * integers as numbers, text as text). One policy for counting a split's sides (`plan`) and for `validate`.
 * A fact the statistics do not give for sure is left out: whoever needs it reads the column.
 */
import { type FileMetaData, parquetSchema, type SchemaElement } from 'hyparquet';
import { checkCodecs, parseFooter, schemaInfo } from './parquet-schema.js';
import type { ParquetSchemaInfo } from './table.js';

/** A column's null count and value range (a field is absent when the statistics do not give it). */
export interface ColumnFacts {
  nulls?: number;
  min?: number | string;
  max?: number | string;
}

/** A column's facts in one row group of `rows` rows. */
export interface RowGroupFacts extends ColumnFacts {
  rows: number;
}

/** A parquet footer: the schema and row count, and each top-level column's facts over the file. */
export interface ParquetFooter extends ParquetSchemaInfo {
  /** The facts of the top-level column `name` over every row group ({} for a column the file lacks). */
  facts(name: string): ColumnFacts;
}

/**
 * Parses the footer at the end of `bytes` (the file, or just its last bytes) once, for its schema and
 * statistics. Throws `InvalidParquet` as `readParquetSchema` does (`what` names the bytes in messages).
 */
export function readParquetFooter(bytes: Uint8Array, what = 'bytes'): ParquetFooter {
  const metadata = parseFooter(bytes, what);
  checkCodecs(metadata, what);
  return { ...schemaInfo(metadata), facts: (name) => columnFacts(metadata, name) };
}

/**
 * The facts of the top-level column `name` in each row group, in file order; undefined when the file has
 * no such (non-nested) column. A range is given only when both ends are exact and compare as the split does.
 */
export function rowGroupFacts(metadata: FileMetaData, name: string): RowGroupFacts[] | undefined {
  const element = parquetSchema(metadata).children.find((child) => child.element.name === name && child.children.length === 0)?.element;
  if (!element) return undefined;
  const ranged = hasRange(element);
  // The deprecated min/max fields are kept in signed order: right only for signed integers (dates, timestamps).
  const legacy = (element.type === 'INT32' || element.type === 'INT64') && !isUnsigned(element);
  return metadata.row_groups.map((group) => {
    const chunk = group.columns.find((item) => item.meta_data?.path_in_schema.length === 1 && item.meta_data.path_in_schema[0] === name);
    const stats = chunk?.meta_data?.statistics;
    const rows = Number(group.num_rows);
    const nulls = stats?.null_count === undefined ? {} : { nulls: Number(stats.null_count) };
    if (!stats || !ranged || stats.is_min_value_exact === false || stats.is_max_value_exact === false) return { rows, ...nulls };
    const min = statisticValue(stats.min_value ?? (legacy ? stats.min : undefined), element);
    const max = statisticValue(stats.max_value ?? (legacy ? stats.max : undefined), element);
    const range = min !== undefined && max !== undefined && typeof min === typeof max ? { min, max } : {};
    return { rows, ...nulls, ...range };
  });
}

/**
 * The facts of the top-level column `name` over a file: nulls summed over every row group (absent when
 * one does not say), and a range when every row group holding a value gives one.
 */
function columnFacts(metadata: FileMetaData, name: string): ColumnFacts {
  const groups = rowGroupFacts(metadata, name);
  if (!groups) return {};
  let nulls: number | undefined = 0;
  let min: number | string | undefined;
  let max: number | string | undefined;
  let ranged = true;
  for (const group of groups) {
    nulls = nulls === undefined || group.nulls === undefined ? undefined : nulls + group.nulls;
    if (group.rows === 0 || group.nulls === group.rows) continue;
    if (group.min === undefined || group.max === undefined) ranged = false;
    else {
      min = min === undefined ? group.min : lower(min, group.min);
      max = max === undefined ? group.max : higher(max, group.max);
    }
  }
  return { ...(nulls === undefined ? {} : { nulls }), ...(ranged && min !== undefined && max !== undefined ? { min, max } : {}) };
}

/** The facts of two files together (`a` undefined before the first). */
export function mergeFacts(a: ColumnFacts | undefined, b: ColumnFacts): ColumnFacts {
  if (!a) return b;
  const nulls = a.nulls === undefined || b.nulls === undefined ? {} : { nulls: a.nulls + b.nulls };
  const both = a.min !== undefined && b.min !== undefined && a.max !== undefined && b.max !== undefined && typeof a.min === typeof b.min;
  return { ...nulls, ...(both ? { min: lower(a.min!, b.min!), max: higher(a.max!, b.max!) } : {}) };
}

/** The smaller of two values of one kind (numbers, or text compared as the split compares it). */
function lower<T extends number | string>(a: T, b: T): T {
  return b < a ? b : a;
}

function higher<T extends number | string>(a: T, b: T): T {
  return b > a ? b : a;
}

/**
 * Whether a column's statistics read as the split reads its values: not JSON (read back as re-written
 * text), not a decimal without the legacy annotation (its statistics come unscaled).
 */
function hasRange(element: SchemaElement): boolean {
  if (element.converted_type === 'JSON' || element.logical_type?.type === 'JSON') return false;
  return !(element.logical_type?.type === 'DECIMAL' && element.converted_type !== 'DECIMAL');
}

function isUnsigned(element: SchemaElement): boolean {
  return (
    Boolean(element.converted_type?.startsWith('UINT_')) || (element.logical_type?.type === 'INTEGER' && !element.logical_type.isSigned)
  );
}

/**
 * A statistic as the split compares it: dates and timestamps as epoch ms (the footer is parsed with the
 * reader's parsers), integers as numbers while exact, booleans as 0/1, text as text; undefined otherwise.
 */
function statisticValue(value: unknown, element: SchemaElement): number | string | undefined {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  // A DATE with only the logical annotation comes as days since the epoch.
  const daysOnly = element.logical_type?.type === 'DATE' && element.converted_type !== 'DATE';
  if (typeof value === 'number') return daysOnly ? value * 86_400_000 : value;
  if (value instanceof Date) return value.getTime();
  return typeof value === 'string' ? value : undefined;
}
