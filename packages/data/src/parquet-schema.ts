import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parquetMetadata, parquetSchema } from 'hyparquet';
import type { FileMetaData, SchemaElement, SchemaTree } from 'hyparquet';
import { DataError } from './errors.js';
import type { ColumnInfo, ParquetSchemaInfo } from './table.js';

const MAGIC = 0x31524150; // "PAR1", little-endian

/**
 * Reads a parquet file's footer (schema and row count) without decoding any rows.
 * Given a path, it reads only the file's last bytes (the footer), so it is cheap on big files.
 * Synchronous.
 */
export function readParquetSchema(source: Uint8Array | string): ParquetSchemaInfo {
  const metadata = typeof source === 'string' ? readFooterFromFile(source) : parseFooter(source, 'bytes');
  return schemaInfo(metadata);
}

/** Column kinds and row count from parsed metadata. */
function schemaInfo(metadata: FileMetaData): ParquetSchemaInfo {
  return { columns: topLevelColumns(metadata), numRows: Number(metadata.num_rows) };
}

/** The top-level columns with the kind mxn gives them. */
export function topLevelColumns(metadata: FileMetaData): ColumnInfo[] {
  const tree: SchemaTree = parquetSchema(metadata);
  return tree.children.map((child) => ({
    name: child.element.name,
    type: child.children.length > 0 ? 'other' : leafKind(child.element),
  }));
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
    return parquetMetadata(tail);
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
