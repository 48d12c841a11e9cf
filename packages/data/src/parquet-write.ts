import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import zlib from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource, ParquetWriteOptions } from 'hyparquet-writer';

type SchemaElement = NonNullable<ParquetWriteOptions['schema']>[number];
type Compressors = NonNullable<ParquetWriteOptions['compressors']>;
import { DataError } from './errors.js';
import { makeTable } from './table-ops.js';
import type { Column, ColumnType, Table } from './table.js';

export interface WriteParquetOptions {
  /**
   * Compression codec. Default `'SNAPPY'`: every parquet reader supports it, files are smaller to move
   * through S3/Blob, and it costs little time (see the package README for figures). `'ZSTD'` needs a
   * Node.js whose zlib has zstd (22.15 or later); `'GZIP'` works everywhere.
   */
  codec?: 'SNAPPY' | 'ZSTD' | 'GZIP' | 'UNCOMPRESSED';
  /** Rows per row group (default 100,000). */
  rowGroupSize?: number;
}

const MS_PER_DAY = 86_400_000;

/**
 * Encodes a table as a parquet file. A column with a type in `table.types` is written as that type
 * (INT32, INT64, FLOAT, BOOLEAN, DATE, TIMESTAMP with its unit and time zone flag, DECIMAL); the others
 * by kind: numbers as nullable DOUBLE (NaN becomes null), strings as nullable UTF8 (dictionary-encoded
 * where that pays). Nanosecond timestamps keep microsecond precision.
 */
export function writeParquet(table: Table, options: WriteParquetOptions = {}): Uint8Array {
  const checked = makeTable(table.names, table.columns, table.numRows);
  const encoded = checked.names.map((name) => encodeColumn(name, checked.columns[name] as Column, table.types?.[name]));
  const codec = options.codec ?? 'SNAPPY';
  try {
    const buffer = parquetWriteBuffer({
      columnData: encoded.map((column) => column.source),
      schema: [{ name: 'root', num_children: encoded.length }, ...encoded.map((column) => column.element)],
      codec,
      compressors: compressorsFor(codec),
      rowGroupSize: options.rowGroupSize ?? 100_000,
      statistics: true,
      createdBy: 'mxn (hyparquet-writer)',
    });
    return new Uint8Array(buffer);
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError('InvalidTable', `cannot encode table as parquet (${(error as Error).message})`, { cause: error });
  }
}

/** Writes a table to a parquet file (see `writeParquet`), creating the parent folder. */
export async function writeParquetFile(path: string, table: Table, options: WriteParquetOptions = {}): Promise<void> {
  const bytes = writeParquet(table, options);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  } catch (error) {
    throw new DataError('FileError', `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      cause: error,
    });
  }
}

function compressorsFor(codec: NonNullable<WriteParquetOptions['codec']>): Compressors {
  if (codec === 'GZIP') return { GZIP: (input: Uint8Array) => zlib.gzipSync(input) };
  if (codec !== 'ZSTD') return {};
  const zstd = (zlib as unknown as { zstdCompressSync?: (input: Uint8Array) => Uint8Array }).zstdCompressSync;
  if (!zstd) {
    throw new DataError('InvalidTable', `writing zstd needs Node.js 22.15 or later (this is ${process.version})`, {
      hint: "use codec 'SNAPPY'",
    });
  }
  return { ZSTD: (input: Uint8Array) => zstd(input) };
}

interface Encoded {
  source: ColumnSource;
  element: SchemaElement;
}

function encodeColumn(name: string, col: Column, type: ColumnType | undefined): Encoded {
  const optional = { name, repetition_type: 'OPTIONAL' } as const;
  if (Array.isArray(col)) {
    if (type?.kind === 'int64')
      return { source: { name, data: col.map((v) => (v === null ? null : BigInt(v))) }, element: { ...optional, type: 'INT64' } };
    return {
      source: { name, data: col },
      element: { ...optional, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } },
    };
  }
  if (!(col instanceof Float64Array)) {
    throw new DataError('InvalidTable', `column "${name}" must be a Float64Array or an array of strings`);
  }
  const values = <T>(convert: (v: number) => T): Array<T | null> => Array.from(col, (v) => (Number.isNaN(v) ? null : convert(v)));
  switch (type?.kind) {
    case 'int32':
      return { source: { name, data: values(Math.round) }, element: { ...optional, type: 'INT32' } };
    case 'int64':
      return { source: { name, data: values((v) => BigInt(Math.round(v))) }, element: { ...optional, type: 'INT64' } };
    case 'float':
      return { source: { name, data: values((v) => v) }, element: { ...optional, type: 'FLOAT' } };
    case 'bool':
      return { source: { name, data: values((v) => v !== 0) }, element: { ...optional, type: 'BOOLEAN' } };
    case 'date':
      return {
        source: { name, data: values((v) => Math.floor(v / MS_PER_DAY)) },
        element: { ...optional, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } },
      };
    case 'timestamp':
      return { source: { name, data: values(timestampEncoder(type.unit)) }, element: timestampElement(name, type.unit, type.utc) };
    case 'decimal':
      return decimalColumn(
        name,
        values((v) => BigInt(Math.round(v * 10 ** type.scale))),
        type.precision,
        type.scale,
      );
    default:
      return { source: { name, data: col.some(Number.isNaN) ? values((v) => v) : col }, element: { ...optional, type: 'DOUBLE' } };
  }
}

/** Epoch milliseconds (with a fraction) to the unit's integer; nanoseconds are rounded to the microsecond. */
function timestampEncoder(unit: 'MILLIS' | 'MICROS' | 'NANOS'): (ms: number) => bigint {
  if (unit === 'MILLIS') return (ms) => BigInt(Math.round(ms));
  if (unit === 'MICROS') return (ms) => BigInt(Math.round(ms * 1000));
  return (ms) => BigInt(Math.round(ms * 1000)) * 1000n;
}

function timestampElement(name: string, unit: 'MILLIS' | 'MICROS' | 'NANOS', utc: boolean): SchemaElement {
  const legacy =
    utc && unit !== 'NANOS' ? { converted_type: unit === 'MILLIS' ? ('TIMESTAMP_MILLIS' as const) : ('TIMESTAMP_MICROS' as const) } : {};
  return { name, repetition_type: 'OPTIONAL', type: 'INT64', ...legacy, logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: utc, unit } };
}

/** DECIMAL as INT32 (precision ≤ 9), INT64 (≤ 18) or a fixed-length byte array, as the format recommends. */
function decimalColumn(name: string, unscaled: Array<bigint | null>, precision: number, scale: number): Encoded {
  const decimal = { converted_type: 'DECIMAL', precision, scale, logical_type: { type: 'DECIMAL', precision, scale } } as const;
  const optional = { name, repetition_type: 'OPTIONAL', ...decimal } as const;
  if (precision <= 9) return { source: { name, data: unscaled }, element: { ...optional, type: 'INT32' } };
  if (precision <= 18) return { source: { name, data: unscaled }, element: { ...optional, type: 'INT64' } };
  const typeLength = Math.ceil((precision * Math.log2(10) + 1) / 8);
  return { source: { name, data: unscaled }, element: { ...optional, type: 'FIXED_LEN_BYTE_ARRAY', type_length: typeLength } };
}
