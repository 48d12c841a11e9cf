import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readParquetSchema } from './parquet-schema.js';
import { writeParquet } from './parquet-write.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mxn-schema-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = writeParquet({
  names: ['price', 'region'],
  columns: { price: Float64Array.from([1, 2, 3]), region: ['a', null, 'b'] },
  numRows: 3,
});

describe('readParquetSchema', () => {
  it('reads column kinds and row count from bytes', () => {
    expect(readParquetSchema(bytes)).toEqual({
      columns: [
        { name: 'price', type: 'number', detail: { kind: 'double' } },
        { name: 'region', type: 'string', detail: { kind: 'string' } },
      ],
      numRows: 3,
    });
  });

  it('maps parquet types written by another tool', () => {
    const info = readParquetSchema(fileURLToPath(new URL('./fixtures/arrow-rs-snappy.parquet', import.meta.url)));
    expect(info.numRows).toBe(40);
    expect(info.columns.map((c) => c.type)).toEqual(['number', 'number', 'number', 'boolean', 'string']);
  });

  it('reads only the tail of a file on disk (a 3 GiB file whose footer is at the end)', async () => {
    // A sparse 3 GiB prefix: reading the whole file would exceed Node's 2 GiB buffer limit.
    const path = join(dir, 'huge.parquet');
    const fh = await open(path, 'w');
    const hole = 3 * 1024 ** 3;
    await fh.truncate(hole);
    await fh.write(bytes, 0, bytes.length, hole);
    await fh.close();
    expect(readParquetSchema(path).columns.map((c) => c.name)).toEqual(['price', 'region']);
  });

  it('gives InvalidParquet for a file without a parquet footer, FileError for a missing one', async () => {
    const path = join(dir, 'plain.txt');
    await writeFile(path, 'this is not a parquet file at all');
    expect(() => readParquetSchema(path)).toThrow(expect.objectContaining({ code: 'InvalidParquet' }));
    expect(() => readParquetSchema(join(dir, 'absent.parquet'))).toThrow(expect.objectContaining({ code: 'FileError' }));
    expect(() => readParquetSchema(bytes.subarray(0, bytes.length - 1))).toThrow(expect.objectContaining({ code: 'InvalidParquet' }));
  });
});
