/**
 * CSV datasets: parsed with csv-parse (quoted fields, embedded commas and newlines), column types
 * inferred from every value, empty fields as nulls. mxn converts a CSV once, when it stages a split.
 */
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { DataError } from './errors.js';
import type { Column, ColumnType, ParquetSchemaInfo, Table } from './table.js';
import { describeType } from './table.js';

/** Whether a file name is one mxn reads as CSV (`.csv` or `.csv.gz`). */
export function isCsvName(name: string): boolean {
  return /\.csv(\.gz)?$/i.test(name);
}

/**
 * Parses CSV bytes (gzip-compressed when they start with the gzip magic) with a header row into a
 * table. Each column's type is inferred from all its non-empty values, in this order: int64, double,
 * bool (`true`/`false`), date (`2024-01-31`), timestamp (`2024-01-31T12:00:00`, with `Z` or an
 * offset for UTC), else string. A first column with an empty name (the index pandas' `to_csv()` writes)
 * is left out; any other column without a name is refused. `name` is used in messages.
 */
export function readCsv(bytes: Uint8Array, name = 'CSV bytes'): Table {
  const text = decompress(bytes, name).toString('utf8');
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, skip_empty_lines: true, relax_quotes: false }) as string[][];
  } catch (error) {
    throw new DataError('InvalidCsv', `${name}: ${(error as Error).message}`, { cause: error, hint: 'fix the file, or quote the field' });
  }
  const header = rows[0];
  if (!header || header.length === 0)
    throw new DataError('InvalidCsv', `${name}: no header row`, { hint: 'the first line names the columns' });
  // pandas' `to_csv()` writes the index first, under an empty name: row labels, not a feature.
  const skip = header.length > 1 && header[0]!.trim() === '' ? 1 : 0;
  const unnamed = header.findIndex((column, at) => at >= skip && column.trim() === '');
  if (unnamed >= 0)
    throw new DataError('InvalidCsv', `${name}: column ${unnamed + 1} of the header has no name; name it in the first line`, {
      hint: 'only an unnamed first column is read as a pandas index and left out',
    });
  const seen = new Set<string>();
  for (const column of header) {
    if (seen.has(column)) throw new DataError('InvalidCsv', `${name}: column "${column}" appears twice in the header`);
    seen.add(column);
  }
  const body = rows.slice(1);
  const columns: Record<string, Column> = {};
  const types: Record<string, ColumnType> = {};
  const names = header.slice(skip);
  names.forEach((column, index) => {
    const at = index + skip;
    const raw = body.map((row) => (row[at] === '' || row[at] === undefined ? null : (row[at] as string)));
    const [type, values] = inferColumn(raw);
    columns[column] = values;
    types[column] = type;
  });
  return { names, columns, numRows: body.length, types };
}

/** Column names, kinds and inferred types plus the row count of CSV bytes (the whole file is parsed). */
export function readCsvSchema(bytes: Uint8Array, name = 'CSV bytes'): ParquetSchemaInfo {
  const table = readCsv(bytes, name);
  return {
    numRows: table.numRows,
    columns: table.names.map((column) => {
      const detail = table.types?.[column] as ColumnType;
      const type = detail.kind === 'string' ? 'string' : detail.kind === 'bool' ? 'boolean' : 'number';
      return { name: column, type, detail };
    }),
  };
}

/** `price: double, sold: date, …`: the types a table's columns have, as the plan shows them. */
export function describeColumnTypes(columns: ReadonlyArray<{ name: string; detail?: ColumnType }>): string {
  return columns.map((column) => `${column.name}: ${column.detail ? describeType(column.detail) : '?'}`).join(', ');
}

function decompress(bytes: Uint8Array, name: string): Buffer {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer[0] !== 0x1f || buffer[1] !== 0x8b) return buffer;
  try {
    return gunzipSync(buffer);
  } catch (error) {
    throw new DataError('InvalidCsv', `${name}: cannot gunzip (${(error as Error).message})`, { cause: error });
  }
}

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity)$|^nan$/i;
const BOOL = /^(true|false)$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

function inferColumn(raw: Array<string | null>): [ColumnType, Column] {
  const present = raw.filter((v): v is string => v !== null);
  const all = (pattern: RegExp) => present.every((v) => pattern.test(v.trim()));
  if (present.length === 0) return [{ kind: 'double' }, new Float64Array(raw.length).fill(NaN)];
  if (all(INT)) {
    if (present.every((v) => Number.isSafeInteger(Number(v)))) return [{ kind: 'int64' }, numbers(raw, Number)];
    return [{ kind: 'int64' }, raw.map((v) => (v === null ? null : BigInt(v.trim()).toString()))];
  }
  if (all(FLOAT)) return [{ kind: 'double' }, numbers(raw, parseFloatText)];
  if (all(BOOL)) return [{ kind: 'bool' }, numbers(raw, (v) => (v.trim().toLowerCase() === 'true' ? 1 : 0))];
  if (present.every((v) => dateMs(v.trim()) !== undefined)) return [{ kind: 'date' }, numbers(raw, (v) => dateMs(v.trim()) as number)];
  const stamps = present.map((v) => TIMESTAMP.exec(v.trim()));
  if (stamps.every((m) => m !== null && validDate(m))) {
    const zoned = stamps.filter((m) => m?.[8] !== undefined).length;
    if (zoned === 0 || zoned === stamps.length) {
      return [
        { kind: 'timestamp', unit: 'MICROS', utc: zoned > 0 },
        numbers(raw, (v) => timestampMs(TIMESTAMP.exec(v.trim()) as RegExpExecArray)),
      ];
    }
  }
  return [{ kind: 'string' }, raw];
}

function numbers(raw: Array<string | null>, parse: (v: string) => number): Float64Array {
  return Float64Array.from(raw, (v) => (v === null ? NaN : parse(v)));
}

function parseFloatText(v: string): number {
  const text = v.trim().toLowerCase().replace(/^\+/, '');
  if (text === 'inf' || text === 'infinity') return Infinity;
  if (text === '-inf' || text === '-infinity') return -Infinity;
  return Number(text);
}

function dateMs(v: string): number | undefined {
  const m = DATE.exec(v);
  return m && validDate(m) ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : undefined;
}

function validDate(m: RegExpExecArray): boolean {
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Epoch milliseconds (fraction kept to the microsecond); a timestamp without an offset is read as UTC wall time. */
function timestampMs(m: RegExpExecArray): number {
  const whole = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  const micros = Number((m[7] ?? '').padEnd(6, '0').slice(0, 6));
  let offsetMs = 0;
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const digits = zone.replace(':', '');
    offsetMs = (digits[0] === '-' ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * 60_000;
  }
  return whole - offsetMs + micros / 1000;
}
