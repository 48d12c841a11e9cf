import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import { DataError } from './errors.js';
import { makeTable } from './table-ops.js';
import type { Table } from './table.js';

export interface WriteParquetOptions {
  /**
   * Compression codec. Default `'SNAPPY'`: every parquet reader supports it, files are smaller to move
   * through S3/Blob, and it costs little time (see the package README for figures).
   */
  codec?: 'SNAPPY' | 'UNCOMPRESSED';
  /** Rows per row group (default 100,000). */
  rowGroupSize?: number;
}

/**
 * Encodes a table as a parquet file. Numeric columns are written as nullable DOUBLE (NaN becomes
 * null), string columns as nullable UTF8 strings (dictionary-encoded where that pays).
 */
export function writeParquet(table: Table, options: WriteParquetOptions = {}): Uint8Array {
  const checked = makeTable(table.names, table.columns, table.numRows);
  const columnData: ColumnSource[] = checked.names.map((name) => {
    const col = checked.columns[name];
    if (col instanceof Float64Array) {
      return { name, type: 'DOUBLE', data: col.some(Number.isNaN) ? Array.from(col, nanToNull) : col };
    }
    if (Array.isArray(col)) return { name, type: 'STRING', data: col };
    throw new DataError('InvalidTable', `column "${name}" must be a Float64Array or an array of strings`);
  });
  try {
    const buffer = parquetWriteBuffer({
      columnData,
      codec: options.codec ?? 'SNAPPY',
      rowGroupSize: options.rowGroupSize ?? 100_000,
      statistics: true,
      createdBy: 'mxn (hyparquet-writer)',
    });
    return new Uint8Array(buffer);
  } catch (error) {
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

function nanToNull(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}
