import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parquetMetadata, parquetSchema } from 'hyparquet';
import type { FileMetaData, ParquetParsers, SchemaElement, SchemaTree } from 'hyparquet';
import { DataError } from './errors.js';
import type { ColumnInfo, ColumnType, ParquetSchemaInfo } from './table.js';

const MAGIC = 0x31524150; // "PAR1", little-endian

const MS_PER_DAY = 86_400_000;

/**
 * Dates and timestamps as epoch milliseconds (a fraction below one), never `Date`s that drop microseconds:
 * for the rows read and for the footer's statistics alike, so a statistic compares as the split compares a value.
 */
export const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (millis) => Number(millis),
  timestampFromMicroseconds: (micros) => Number(micros / 1000n) + Number(micros % 1000n) / 1000,
  timestampFromNanoseconds: (nanos) => Number(nanos / 1_000_000n) + Number(nanos % 1_000_000n) / 1e6,
  dateFromDays: (days) => days * MS_PER_DAY,
};

/**
 * Reads a parquet file's footer (schema and row count) without decoding any rows.
 * Given a path, it reads only the file's last bytes (the footer), so it is cheap on big files.
 * Synchronous.
 */
export function readParquetSchema(source: Uint8Array | string): ParquetSchemaInfo {
  const what = typeof source === 'string' ? source : 'bytes';
  const metadata = typeof source === 'string' ? readFooterFromFile(source) : parseFooter(source, what);
  checkCodecs(metadata, what);
  return schemaInfo(metadata);
}

/** The codecs mxn decodes: every one the parquet format defines except the long-deprecated LZO. */
const READABLE_CODECS = new Set(['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4', 'LZ4_RAW']);

/** Throws `InvalidParquet` naming the codec when a column chunk uses one mxn cannot decode. */
export function checkCodecs(metadata: FileMetaData, what: string): void {
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const codec = chunk.meta_data?.codec;
      if (codec !== undefined && !READABLE_CODECS.has(codec)) {
        const column = chunk.meta_data?.path_in_schema.join('.') ?? '?';
        throw new DataError('InvalidParquet', `${what}: column "${column}" uses ${codec} compression, which mxn cannot read`, {
          hint: 'rewrite the file with snappy or zstd (pyarrow: compression="zstd")',
        });
      }
    }
  }
}

/** Column kinds and row count from parsed metadata. */
export function schemaInfo(metadata: FileMetaData): ParquetSchemaInfo {
  return { columns: topLevelColumns(metadata), numRows: Number(metadata.num_rows) };
}

/** The top-level columns with the kind mxn gives them. */
export function topLevelColumns(metadata: FileMetaData): ColumnInfo[] {
  const tree: SchemaTree = parquetSchema(metadata);
  const index = new Set(pandasIndexColumns(metadata));
  return tree.children
    .filter((child) => !index.has(child.element.name))
    .map((child) => {
      const detail = child.children.length > 0 ? undefined : leafType(child.element);
      return {
        name: child.element.name,
        type: child.children.length > 0 ? 'other' : leafKind(child.element),
        ...(detail ? { detail } : {}),
      };
    });
}

/**
 * The columns pandas wrote for a DataFrame's index (`__index_level_0__`, or the index's name), from the
 * file's `pandas` metadata. A RangeIndex is stored as a description, not a column, and is skipped.
 */
function pandasIndexColumns(metadata: FileMetaData): string[] {
  const entry = metadata.key_value_metadata?.find((kv) => kv.key === 'pandas');
  if (!entry?.value) return [];
  try {
    const parsed = JSON.parse(entry.value) as { index_columns?: unknown };
    return Array.isArray(parsed.index_columns) ? parsed.index_columns.filter((name): name is string => typeof name === 'string') : [];
  } catch {
    return [];
  }
}

/** The type mxn keeps for a leaf column, so it is written back as it was; undefined when it has none. */
function leafType(el: SchemaElement): ColumnType | undefined {
  const logical = el.logical_type;
  if (logical?.type === 'DECIMAL') return { kind: 'decimal', precision: logical.precision, scale: logical.scale };
  if (el.converted_type === 'DECIMAL') return { kind: 'decimal', precision: el.precision ?? 18, scale: el.scale ?? 0 };
  if (logical?.type === 'DATE' || el.converted_type === 'DATE') return { kind: 'date' };
  if (logical?.type === 'TIMESTAMP') return { kind: 'timestamp', unit: logical.unit, utc: logical.isAdjustedToUTC };
  if (el.converted_type === 'TIMESTAMP_MILLIS') return { kind: 'timestamp', unit: 'MILLIS', utc: true };
  if (el.converted_type === 'TIMESTAMP_MICROS') return { kind: 'timestamp', unit: 'MICROS', utc: true };
  if (logical?.type === 'TIME' || el.converted_type === 'TIME_MILLIS' || el.converted_type === 'TIME_MICROS') return undefined;
  if (logical?.type === 'FLOAT16') return { kind: 'float' };
  const unsigned32 = el.converted_type === 'UINT_32' || (logical?.type === 'INTEGER' && logical.bitWidth === 32 && !logical.isSigned);
  if (unsigned32) return { kind: 'int64' };
  switch (el.type) {
    case 'BOOLEAN':
      return { kind: 'bool' };
    case 'INT32':
      return { kind: 'int32' };
    case 'INT64':
      return { kind: 'int64' };
    case 'INT96':
      return { kind: 'timestamp', unit: 'NANOS', utc: false };
    case 'FLOAT':
      return { kind: 'float' };
    case 'DOUBLE':
      return { kind: 'double' };
    case 'BYTE_ARRAY':
      return leafKind(el) === 'string' ? { kind: 'string' } : undefined;
    default:
      return undefined;
  }
}

/** How a leaf column's values come out of the reader: numbers, strings, booleans, or other. */
function leafKind(el: SchemaElement): ColumnInfo['type'] {
  const logical = el.logical_type?.type;
  const converted = el.converted_type;
  if (logical === 'DECIMAL' || converted === 'DECIMAL' || logical === 'FLOAT16') return 'number';
  switch (el.type) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INT32':
    case 'INT64':
    case 'INT96':
    case 'FLOAT':
    case 'DOUBLE':
      return 'number';
    case 'BYTE_ARRAY':
      // hyparquet decodes un-annotated byte arrays as utf8 text
      if (logical === 'BSON' || converted === 'BSON' || logical === 'GEOMETRY' || logical === 'GEOGRAPHY') return 'other';
      return 'string';
    case 'FIXED_LEN_BYTE_ARRAY':
      return logical === 'UUID' ? 'string' : 'other';
    default:
      return 'other';
  }
}

/** Parses the footer at the end of `bytes` (the whole file, or just its tail). */
export function parseFooter(bytes: Uint8Array, what: string): FileMetaData {
  if (bytes.length < 12) throw new DataError('InvalidParquet', `${what}: too short to be a parquet file (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(bytes.length - 4, true) !== MAGIC) {
    throw new DataError('InvalidParquet', `${what}: not a parquet file (no PAR1 magic at the end)`);
  }
  const metaLength = view.getUint32(bytes.length - 8, true);
  if (metaLength + 8 > bytes.length) {
    throw new DataError('InvalidParquet', `${what}: footer length ${metaLength} exceeds the ${bytes.length} bytes available`);
  }
  const start = bytes.length - metaLength - 8;
  const tail = bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length) as ArrayBuffer;
  try {
    return parquetMetadata(tail, { parsers: PARSERS });
  } catch (error) {
    throw new DataError('InvalidParquet', `${what}: unreadable parquet footer (${(error as Error).message})`, { cause: error });
  }
}

function readFooterFromFile(path: string): FileMetaData {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new DataError('FileError', `cannot open ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 12) throw new DataError('InvalidParquet', `${path}: too short to be a parquet file (${size} bytes)`);
    const trailer = readAt(fd, size - 8, 8);
    const metaLength = new DataView(trailer.buffer, trailer.byteOffset, 8).getUint32(0, true);
    if (metaLength + 8 > size) {
      // let parseFooter produce the precise message (bad magic or bad length)
      return parseFooter(trailer, path);
    }
    return parseFooter(readAt(fd, size - metaLength - 8, metaLength + 8), path);
  } finally {
    closeSync(fd);
  }
}

function readAt(fd: number, position: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return buf.subarray(0, done);
}
