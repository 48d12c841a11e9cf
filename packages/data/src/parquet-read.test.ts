import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { readParquet, readParquetFile } from './parquet-read.js';
import { writeParquet, writeParquetFile } from './parquet-write.js';
import type { Table } from './table.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function sample(): Table {
  return {
    names: ['price', 'rooms', 'region', 'note'],
    columns: {
      price: Float64Array.from([101.5, NaN, -3.25, 1e12, 0]),
      rooms: Float64Array.from([1, 2, 3, 4, 5]),
      region: ['north', 'south', null, 'north', 'ünïcødé ✓'],
      note: [null, null, null, null, null],
    },
    numRows: 5,
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mxn-data-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readParquet / writeParquet round trip', () => {
  it.each(['SNAPPY', 'UNCOMPRESSED'] as const)('keeps numbers, NaN as null, strings and null strings (%s)', async (codec) => {
    const table = sample();
    const back = await readParquet(writeParquet(table, { codec }));
    expect(back.names).toEqual(table.names);
    expect(back.numRows).toBe(5);
    expect(Array.from(back.columns.price as Float64Array)).toEqual([101.5, NaN, -3.25, 1e12, 0]);
    expect(back.columns.rooms).toBeInstanceOf(Float64Array);
    expect(back.columns.region).toEqual(['north', 'south', null, 'north', 'ünïcødé ✓']);
    expect(back.columns.note).toEqual([null, null, null, null, null]);
  });

  it('round-trips a table with no rows', async () => {
    const empty: Table = { names: ['x', 's'], columns: { x: new Float64Array(0), s: [] }, numRows: 0 };
    const back = await readParquet(writeParquet(empty));
    expect(back.names).toEqual(['x', 's']);
    expect(back.numRows).toBe(0);
    expect(back.columns.x).toBeInstanceOf(Float64Array);
  });

  it('round-trips many row groups in order', async () => {
    const n = 25_000;
    const x = new Float64Array(n).map((_, i) => i * 0.5);
    const s = Array.from({ length: n }, (_, i) => `r${i % 7}`);
    const back = await readParquet(writeParquet({ names: ['x', 's'], columns: { x, s }, numRows: n }, { rowGroupSize: 4_000 }));
    expect(back.columns.x).toEqual(x);
    expect(back.columns.s).toEqual(s);
  });

  it('reads only the requested columns, in the requested order', async () => {
    const back = await readParquet(writeParquet(sample()), { columns: ['region', 'price'] });
    expect(back.names).toEqual(['region', 'price']);
    expect(Object.keys(back.columns).sort()).toEqual(['price', 'region']);
  });

  it('rejects a requested column the file lacks', async () => {
    await expect(readParquet(writeParquet(sample()), { columns: ['nope'] })).rejects.toMatchObject({ code: 'ColumnMissing' });
  });

  it('rejects columns of different lengths on write', () => {
    const bad: Table = { names: ['a', 'b'], columns: { a: new Float64Array(2), b: ['x'] }, numRows: 2 };
    expect(() => writeParquet(bad)).toThrow(DataError);
  });
});

describe('reading bytes inside a larger buffer', () => {
  it("reads a file (larger than the reader's first footer fetch) that is a view at an offset of a bigger buffer", async () => {
    const n = 120_000; // ~1 MB of doubles: the footer is far from the start
    const x = new Float64Array(n).map((_, i) => Math.sin(i) * 1000);
    const bytes = writeParquet({ names: ['x'], columns: { x }, numRows: n }, { codec: 'UNCOMPRESSED' });
    expect(bytes.length).toBeGreaterThan(600_000);
    const big = new Uint8Array(bytes.length + 5_000).fill(0xab); // garbage around the file
    big.set(bytes, 1_234);
    const view = big.subarray(1_234, 1_234 + bytes.length);
    const back = await readParquet(view);
    expect(back.numRows).toBe(n);
    expect(back.columns.x).toEqual(x);
  });
});

describe('files written by other tools', () => {
  it('reads an arrow-rs file: snappy, dictionary pages, INT32/INT64/DOUBLE/BOOLEAN/UTF8 with nulls', async () => {
    const expected = JSON.parse(await readFile(fixture('arrow-rs-snappy.parquet.json'), 'utf8')) as Record<string, unknown[]>;
    const table = await readParquetFile(fixture('arrow-rs-snappy.parquet'));
    expect(table.names).toEqual(['i32', 'i64', 'f64', 'flag', 'region']);
    const nums = (k: string) => Array.from(table.columns[k] as Float64Array, (v) => (Number.isNaN(v) ? null : v));
    expect(nums('i32')).toEqual(expected.i32);
    expect(nums('i64')).toEqual(expected.i64);
    expect(nums('f64')).toEqual(expected.f64);
    expect(nums('flag')).toEqual(expected.flag!.map((b) => (b === null ? null : b ? 1 : 0)));
    expect(table.columns.region).toEqual(expected.region);
  });
});

describe('file I/O', () => {
  it('writes into a new folder and reads the file back', async () => {
    const path = join(dir, 'nested', 'out.parquet');
    await writeParquetFile(path, sample());
    const back = await readParquetFile(path);
    expect(back.columns.region).toEqual(sample().columns.region);
  });

  it('reports a missing file as FileError naming the path', async () => {
    const path = join(dir, 'missing.parquet');
    await expect(readParquetFile(path)).rejects.toMatchObject({ code: 'FileError', message: expect.stringContaining(path) });
  });

  it('reports a non-parquet file as InvalidParquet', async () => {
    const path = join(dir, 'not.parquet');
    await writeFile(path, 'name,price\nA,1\n'.repeat(10));
    await expect(readParquetFile(path)).rejects.toMatchObject({ code: 'InvalidParquet' });
    await expect(readParquet(new TextEncoder().encode('hello world, not parquet'))).rejects.toMatchObject({ code: 'InvalidParquet' });
  });
});
