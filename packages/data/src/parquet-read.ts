import { type FileHandle, open } from 'node:fs/promises';
import { parquetRead } from 'hyparquet';
import type { AsyncBuffer, ColumnData, FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { DataError } from './errors.js';
import { checkCodecs, PARSERS, parseFooter, topLevelColumns } from './parquet-schema.js';
import type { Column, ColumnInfo, ColumnType, Table } from './table.js';

export interface ReadParquetOptions {
  /** Read only these columns, in this order (default: every column, in file order). */
  columns?: string[];
  /** What messages call the bytes given to `readParquet`, e.g. the file they came from (default `parquet bytes`). */
  name?: string;
}

/**
 * Decodes a whole parquet file held in memory into a column table.
 *
 * Numbers (INT32, INT64, FLOAT, DOUBLE, DECIMAL) become Float64Array with nulls as NaN; an INT64 column
 * with a value beyond ±2^53 becomes decimal-digit strings so it stays exact. Booleans become 0/1 in a
 * Float64Array, dates and timestamps epoch milliseconds; `table.types` keeps each column's parquet type.
 * Strings stay strings (null for null); nested or binary values become JSON text. The index columns
 * pandas adds (named in the file's `pandas` metadata) are left out. Reads every codec: uncompressed,
 * snappy, gzip, brotli, zstd, lz4 and lz4_raw.
 */
export async function readParquet(bytes: Uint8Array, options: ReadParquetOptions = {}): Promise<Table> {
  const what = options.name ?? 'parquet bytes';
  const metadata = parseFooter(bytes, what);
  const file: AsyncBuffer = {
    byteLength: bytes.byteLength,
    // copies only the byte ranges the reader asks for, never the whole file
    slice: (start, end = bytes.byteLength) => bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + end) as ArrayBuffer,
  };
  return decode(file, metadata, options, what);
}

/** Reads a parquet file from disk into a column table (see `readParquet`), loading only its column chunks. */
export async function readParquetFile(path: string, options: ReadParquetOptions = {}): Promise<Table> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new DataError('FileError', `cannot open ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const fh = handle;
    const { size } = await fh.stat();
    const read = async (start: number, end: number): Promise<Uint8Array> => {
      const buf = new Uint8Array(end - start);
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await fh.read(buf, done, buf.length - done, start + done);
        if (bytesRead === 0) throw new DataError('FileError', `${path}: file ended at byte ${start + done}, expected ${end}`);
        done += bytesRead;
      }
      return buf;
    };
    return await readParquetRanges({ size, read }, { name: path, ...options });
  } finally {
    await handle.close();
  }
}

/** A file read by byte ranges (a local file, or an object in a store): its size and `read(start, end)`, end exclusive. */
export interface ByteRanges {
  size: number;
  read(start: number, end: number): Promise<Uint8Array>;
}

/** The parsed footer of a parquet file read by ranges (its last bytes only). */
export async function readFooterRanges(source: ByteRanges, what: string): Promise<FileMetaData> {
  const { size } = source;
  if (size < 12) throw new DataError('InvalidParquet', `${what}: too short to be a parquet file (${size} bytes)`);
  const trailer = await source.read(size - 8, size);
  const footerLength = new DataView(trailer.buffer, trailer.byteOffset, 8).getUint32(0, true);
  if (footerLength + 8 > size) return parseFooter(trailer, what);
  return parseFooter(await source.read(size - footerLength - 8, size), what);
}

/**
 * Reads a parquet file by byte ranges into a column table (see `readParquet`): the footer, then only
 * the column chunks of `options.columns`, so reading one column of a large file reads little of it.
 */
export async function readParquetRanges(source: ByteRanges, options: ReadParquetOptions = {}): Promise<Table> {
  const what = options.name ?? 'parquet bytes';
  const metadata = await readFooterRanges(source, what);
  const file: AsyncBuffer = {
    byteLength: source.size,
    slice: async (start, end = source.size) => {
      const bytes = await source.read(start, end);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
  return decode(file, metadata, options, what);
}

async function decode(file: AsyncBuffer, metadata: FileMetaData, options: ReadParquetOptions, what: string): Promise<Table> {
  checkCodecs(metadata, what);
  const numRows = Number(metadata.num_rows);
  const infos = topLevelColumns(metadata);
  const byName = new Map(infos.map((c) => [c.name, c]));
  const wanted = options.columns ?? infos.map((c) => c.name);
  for (const name of wanted) {
    if (!byName.has(name)) {
      throw new DataError('ColumnMissing', `${what}: column "${name}" not in file (columns: ${infos.map((c) => c.name).join(', ')})`);
    }
  }
  const columns: Record<string, Column> = {};
  const types: Record<string, ColumnType> = {};
  for (const name of wanted) {
    const info = byName.get(name) as ColumnInfo;
    columns[name] = allocate(info.type, numRows);
    if (info.detail) types[name] = info.detail;
  }
  if (numRows > 0 && wanted.length > 0) {
    try {
      await parquetRead({
        file,
        metadata,
        columns: wanted,
        compressors,
        parsers: PARSERS,
        onChunk: (chunk) => {
          const out = columns[chunk.columnName];
          if (out !== undefined) columns[chunk.columnName] = fill(out, chunk, numRows);
        },
      });
    } catch (error) {
      if (error instanceof DataError) throw error;
      throw new DataError('InvalidParquet', `${what}: cannot decode (${(error as Error).message})`, {
        cause: error,
        hint: 'the file is damaged or was cut short: write it again',
      });
    }
  }
  return { names: [...wanted], columns, numRows, types };
}

function allocate(kind: ColumnInfo['type'], numRows: number): Column {
  if (kind === 'number' || kind === 'boolean') return new Float64Array(numRows).fill(NaN);
  return new Array<string | null>(numRows).fill(null);
}

/** Copies a chunk into `out`; returns the column to keep (strings instead, once an int64 is too big for a double). */
function fill(out: Column, chunk: ColumnData, numRows: number): Column {
  const data = chunk.columnData;
  const start = chunk.rowStart;
  const end = Math.min(chunk.rowEnd, numRows, start + data.length);
  if (out instanceof Float64Array) {
    if (isPlainNumberArray(data) && end - start === data.length) {
      out.set(data, start);
      return out;
    }
    for (let i = start; i < end; i++) {
      const v = data[i - start];
      if (typeof v === 'bigint' && (v > MAX_EXACT || v < -MAX_EXACT)) return fill(asDigits(out), chunk, numRows);
      out[i] = toNumber(v);
    }
    return out;
  }
  for (let i = start; i < end; i++) out[i] = toText(data[i - start]);
  return out;
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** An integer column as decimal-digit strings (NaN → null), for values a double cannot hold exactly. */
function asDigits(col: Float64Array): Array<string | null> {
  return Array.from(col, (v) => (Number.isNaN(v) ? null : String(v)));
}

function isPlainNumberArray(data: unknown): data is Float64Array | Float32Array | Int32Array | Uint32Array {
  return data instanceof Float64Array || data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint32Array;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.getTime();
  return Number(v);
}

function toText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v, (_key, x: unknown) => {
    if (typeof x === 'bigint') return x.toString();
    if (x instanceof Uint8Array) return Buffer.from(x).toString('base64');
    return x;
  });
}
