/**
 * What `validate` learns from a parquet footer's statistics without reading rows: a target with no
 * value in any row, and an ordered split (`by` + `test_from`) of the wrong kind or that leaves a side
 * empty. When a file has no statistics these checks say nothing: the run finds the problem.
 */
import { parquetMetadata, type FileMetaData } from 'hyparquet';
import { describeType, type ColumnInfo } from '@mxn/data';

/** A column's null count and value range over the files read so far (a field is absent when a footer did not give it). */
export interface ColumnFacts {
  nulls?: number;
  min?: number | string;
  max?: number | string;
}

/** The parsed footer at the end of `tail` (the file's last bytes), or undefined when it cannot be parsed (reported elsewhere). */
export function footerMetadata(tail: Uint8Array): FileMetaData | undefined {
  try {
    return parquetMetadata(tail.buffer.slice(tail.byteOffset, tail.byteOffset + tail.length) as ArrayBuffer);
  } catch {
    return undefined;
  }
}

/** The facts of the top-level column `name` in one file, from its row groups' statistics. */
export function columnFacts(metadata: FileMetaData, name: string, column: ColumnInfo | undefined): ColumnFacts {
  let nulls: number | undefined = 0;
  let min: number | string | undefined;
  let max: number | string | undefined;
  let range = true;
  for (const group of metadata.row_groups) {
    const chunk = group.columns.find((item) => item.meta_data?.path_in_schema.length === 1 && item.meta_data.path_in_schema[0] === name);
    const stats = chunk?.meta_data?.statistics;
    const rows = Number(group.num_rows);
    const groupNulls = stats?.null_count === undefined ? undefined : Number(stats.null_count);
    nulls = nulls === undefined || groupNulls === undefined ? undefined : nulls + groupNulls;
    if (rows === 0 || groupNulls === rows) continue;
    const exact = stats?.is_min_value_exact !== false && stats?.is_max_value_exact !== false;
    const low = exact ? plain(stats?.min_value, column) : undefined;
    const high = exact ? plain(stats?.max_value, column) : undefined;
    if (low === undefined || high === undefined || typeof low !== typeof high) range = false;
    else {
      min = min === undefined ? low : lower(min, low);
      max = max === undefined ? high : higher(max, high);
    }
  }
  return { ...(nulls === undefined ? {} : { nulls }), ...(range && min !== undefined && max !== undefined ? { min, max } : {}) };
}

/** The facts of two files together. */
export function mergeFacts(a: ColumnFacts | undefined, b: ColumnFacts): ColumnFacts {
  if (!a) return b;
  const nulls = a.nulls === undefined || b.nulls === undefined ? undefined : a.nulls + b.nulls;
  const both = a.min !== undefined && b.min !== undefined && a.max !== undefined && b.max !== undefined && typeof a.min === typeof b.min;
  return {
    ...(nulls === undefined ? {} : { nulls }),
    ...(both ? { min: lower(a.min!, b.min!), max: higher(a.max!, b.max!) } : {}),
  };
}

/** The smaller of two values of one kind (numbers, or text compared as the split compares it). */
function lower<T extends number | string>(a: T, b: T): T {
  return b < a ? b : a;
}

function higher<T extends number | string>(a: T, b: T): T {
  return b > a ? b : a;
}

/** A statistic as the split compares it: dates and timestamps as epoch ms, integers as numbers, text as text. */
function plain(value: unknown, column: ColumnInfo | undefined): number | string | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  // A DATE with only a logical type comes as days since the epoch.
  if (typeof value === 'number') return column?.detail?.kind === 'date' ? value * 86_400_000 : value;
  return typeof value === 'string' ? value : undefined;
}

/** Why the target gives a model nothing to learn from: no value in any of `rows` rows. */
export function emptyTargetProblem(target: string, facts: ColumnFacts | undefined, rows: number, file: string): string | undefined {
  if (rows === 0 || facts?.nulls === undefined || facts.nulls < rows) return undefined;
  const fix = 'fill in the target, or choose another evaluation.target';
  return `target column "${target}" has no value in any of the ${rows} rows of ${file}; ${fix}`;
}

const DATE_LIKE = /^\d{4}-\d\d-\d\d/;
const NUMBER_LIKE = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * Why `by >= test_from` cannot split the dataset `dataset` (files `file`), from the `by` column's type
 * and facts: a `test_from` of another kind than the column, values missing, or a side left empty.
 * Compares as the run's ordered split does (@mxn/data `splitTable`).
 */
export function orderedSplitProblem(
  split: { by: string; test_from: string | number },
  column: ColumnInfo,
  facts: ColumnFacts | undefined,
  dataset: string,
  file: string,
): string | undefined {
  const { by, test_from: from } = split;
  const where = `column "${by}" of ${file} (dataset ${dataset})`;
  const kind = column.detail?.kind;
  const time = kind === 'date' || kind === 'timestamp';
  let bound: number | string;
  if (column.type === 'number' || column.type === 'boolean') {
    bound = time ? instantOf(from) : Number(from);
    if (Number.isNaN(bound)) {
      const type = column.detail ? describeType(column.detail) : 'number';
      const fix = time ? 'write a date such as 2024-01-01 or 2024-01-01T00:00:00Z' : 'write a number';
      const wanted = time ? 'date or time' : 'number';
      return `split.test_from ${JSON.stringify(from)} is not a ${wanted}, but ${where} holds ${type} values; ${fix}`;
    }
  } else if (column.type === 'string') {
    bound = String(from);
    const shape = typeof from === 'number' || NUMBER_LIKE.test(bound) ? 'number' : DATE_LIKE.test(bound) ? 'date' : undefined;
    const fits = (value: unknown) => typeof value === 'string' && (shape === 'number' ? NUMBER_LIKE : DATE_LIKE).test(value.trim());
    if (shape && facts?.min !== undefined && !(fits(facts.min) && fits(facts.max))) {
      return (
        `split.test_from ${JSON.stringify(from)} is a ${shape}, but ${where} holds text (from ${JSON.stringify(facts.min)} ` +
        `to ${JSON.stringify(facts.max)}); set split.by to a ${shape} column, or test_from to a value like these`
      );
    }
  } else return undefined;
  if (facts?.nulls !== undefined && facts.nulls > 0)
    return `split.by ${where} has no value in ${facts.nulls} rows, which belong to neither side; fill in ${by} or drop those rows`;
  if (facts?.min === undefined || facts.max === undefined || typeof facts.min !== typeof bound) return undefined;
  const side = facts.max < bound ? 'test' : facts.min >= bound ? 'train' : undefined;
  if (!side) return undefined;
  const show = (value: number | string) => (typeof value === 'number' && time ? showInstant(value, kind) : String(value));
  return (
    `split ${by} >= ${String(from)} leaves the ${side} side empty: ${where} runs from ${show(facts.min)} to ${show(facts.max)}; ` +
    'choose a test_from inside that range'
  );
}

/** Epoch ms of a date or time as the ordered split reads it: a time without a zone is UTC, as the column stores it. */
function instantOf(value: string | number): number {
  if (typeof value === 'number') return value;
  const text = value.trim();
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/i.test(text) || /^\d{4}-\d\d-\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`;
  return Date.parse(zoned);
}

function showInstant(ms: number, kind: string | undefined): string {
  const iso = new Date(ms).toISOString();
  return kind === 'date' ? iso.slice(0, 10) : iso;
}
