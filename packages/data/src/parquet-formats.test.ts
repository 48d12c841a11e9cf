// Parquet as teams write it, made by pyarrow in the test: every codec, pandas index columns, every
// common column type through mxn's split and back to pyarrow, and files a run cannot use.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { readParquetFile } from './parquet-read.js';
import { readParquetSchema } from './parquet-schema.js';
import { writeParquet, writeParquetFile } from './parquet-write.js';
import { prepareCellInputs } from './prepare.js';
import { pyarrowPython, runPython } from './test-support/pyarrow.js';

const support = (name: string) => fileURLToPath(new URL(`./test-support/${name}`, import.meta.url));
let python: string;
let dir: string;
const fixture = (name: string) => path.join(dir, `${name}.parquet`);

beforeAll(async () => {
  python = await pyarrowPython();
  dir = await mkdtemp(path.join(tmpdir(), 'mxn-parquet-formats-'));
  await runPython(python, `exec(open(${JSON.stringify(support('fixtures.py'))}).read())`, [dir]);
}, 300_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('compressed parquet', () => {
  it.each(['none', 'snappy', 'gzip', 'brotli', 'zstd', 'lz4'])('reads a pyarrow file with codec %s', async (codec) => {
    const table = await readParquetFile(fixture(`codec-${codec}`));
    const plain = await readParquetFile(fixture('codec-none'));
    expect(table.numRows).toBe(200);
    expect(table.columns).toEqual(plain.columns);
    expect(Array.from(table.columns.x!.slice(0, 4) as Float64Array)).toEqual([1.5, NaN, 3.25, 4]);
    expect(readParquetSchema(fixture(`codec-${codec}`)).numRows).toBe(200);
  });

  it('writes zstd only where Node.js has it, and gzip everywhere, both readable by pyarrow', async () => {
    const table = await readParquetFile(fixture('codec-none'));
    await writeParquetFile(path.join(dir, 'mxn-gzip.parquet'), table, { codec: 'GZIP' });
    const codecs = await runPython(
      python,
      'import sys, pyarrow.parquet as pq; m = pq.ParquetFile(sys.argv[1]).metadata; ' +
        'print(m.row_group(0).column(0).compression, m.num_rows)',
      [path.join(dir, 'mxn-gzip.parquet')],
    );
    expect(codecs.trim()).toBe('GZIP 200');
    const hasZstd = 'zstdCompressSync' in (await import('node:zlib'));
    if (hasZstd) expect(writeParquet(table, { codec: 'ZSTD' }).length).toBeGreaterThan(0);
    else expect(() => writeParquet(table, { codec: 'ZSTD' })).toThrow(/writing zstd needs Node.js 22.15 or later/);
  });
});

describe('pandas index columns', () => {
  it.each(['pandas-index', 'pandas-named-index', 'pandas-range-index'])('leaves out the index of %s', async (name) => {
    expect((await readParquetFile(fixture(name))).names).toEqual(['a', 'y']);
    expect(readParquetSchema(fixture(name)).columns.map((column) => column.name)).toEqual(['a', 'y']);
  });
});

describe('column types through the split', () => {
  it('keeps every common type, and its nulls, from pyarrow through train/test back to pyarrow', async () => {
    const table = await readParquetFile(fixture('types'));
    const { train, test } = prepareCellInputs(table, { target: 'y', split: { test: 0.25, seed: 7 } });
    await writeParquetFile(path.join(dir, 'train.parquet'), train);
    await writeParquetFile(path.join(dir, 'test.parquet'), test);
    const report = JSON.parse(
      await runPython(python, `exec(open(${JSON.stringify(support('compare.py'))}).read())`, [
        fixture('types'),
        path.join(dir, 'train.parquet'),
        path.join(dir, 'test.parquet'),
      ]),
    ) as Record<string, { rows: number; columns: Record<string, { type: string; equal: boolean; nulls: number }> }>;
    const expected: Record<string, string> = {
      rid: 'int64',
      i32: 'int32',
      i64: 'int64',
      f32: 'float',
      f64: 'double',
      flag: 'bool',
      text: 'string',
      cat: 'string', // a categorical's values, dictionary-encoded in the file
      day: 'date32[day]',
      ts: 'timestamp[us]',
      ts_tz: 'timestamp[us, tz=UTC]', // the same instants; the zone's name is not kept
      ts_ns: 'timestamp[ns]',
      ts_ms: 'timestamp[ms]',
      dec: 'decimal128(10, 2)',
      dec_wide: 'decimal128(38, 4)',
      y: 'double',
    };
    const trainReport = report[path.join(dir, 'train.parquet')]!;
    const testReport = report[path.join(dir, 'test.parquet')]!;
    expect(trainReport.rows + testReport.rows).toBe(40);
    expect(testReport.rows).toBe(10);
    for (const [side, columns] of [
      ['train', trainReport.columns],
      ['test', testReport.columns],
    ] as const) {
      const names = Object.keys(expected).filter((name) => side === 'train' || name !== 'y');
      expect(Object.keys(columns), side).toEqual(names);
      for (const name of names) {
        expect([side, name, columns[name]!.type, columns[name]!.equal]).toEqual([side, name, expected[name], true]);
      }
    }
    // every column but rid and y has nulls on the train side, so nulls were checked in each type
    expect(
      Object.entries(trainReport.columns)
        .filter(([, column]) => column.nulls === 0)
        .map(([name]) => name),
    ).toEqual(['rid', 'y']);
  });

  it('keeps an int64 beyond 2^53 exact (as digits in the table, INT64 in the file)', async () => {
    const table = await readParquetFile(fixture('types'));
    expect((table.columns.i64 as Array<string | null>)[0]).toBe('4611686018427387904');
    expect(table.types?.i64).toEqual({ kind: 'int64' });
    expect(table.columns.rid).toBeInstanceOf(Float64Array);
  });
});

describe('datasets a run cannot use', () => {
  it('reads the footer of a file with damaged pages, and fails reading its rows naming the file and the fix', async () => {
    expect(readParquetSchema(fixture('corrupt-pages')).numRows).toBe(200);
    const error = await readParquetFile(fixture('corrupt-pages')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({
      code: 'InvalidParquet',
      exitClass: 'input',
      hint: 'the file is damaged or was cut short: write it again',
    });
    expect((error as Error).message).toContain(`${fixture('corrupt-pages')}: cannot decode`);
  });

  it.each([
    ['zero-rows', 'y', 'EmptySplit', 'split.test 0.2 of 0 rows leaves the test side empty'],
    ['one-row', 'y', 'EmptySplit', 'split.test 0.2 of 1 rows leaves the test side empty'],
    ['null-target', 'y', 'EmptyTarget', 'target column "y" has no value in any of the 4 training rows'],
  ])('%s: prepare fails with %s', async (name, target, code, message) => {
    const table = await readParquetFile(fixture(name));
    const error = (() => {
      try {
        prepareCellInputs(table, { target, split: { test: 0.2, seed: 1 } });
      } catch (e) {
        return e as DataError;
      }
    })();
    expect(error).toMatchObject({ code, exitClass: 'input' });
    expect(error?.message).toContain(message);
  });

  it('refuses a dataset whose test file has no target values', async () => {
    const table = await readParquetFile(fixture('codec-none'));
    const testTable = { ...table, columns: { ...table.columns, y: new Float64Array(200).fill(NaN) } };
    expect(() => prepareCellInputs(table, { target: 'y', testTable })).toThrow('has no value in any of the 200 test rows');
  });

  it('names the codec a file uses when mxn cannot read it (LZO)', async () => {
    // Nothing common writes LZO any more: hyparquet-writer labels uncompressed pages with it.
    const lzo = path.join(dir, 'lzo.parquet');
    const columnData = [{ name: 'x', data: new Float64Array([1, 2]), type: 'DOUBLE' as const }];
    await writeFile(lzo, new Uint8Array(parquetWriteBuffer({ columnData, codec: 'LZO', compressors: { LZO: (input) => input } })));
    expect(() => readParquetSchema(lzo)).toThrow(`${lzo}: column "x" uses LZO compression, which mxn cannot read`);
    await expect(readParquetFile(lzo)).rejects.toMatchObject({ code: 'InvalidParquet', hint: expect.stringContaining('snappy or zstd') });
  });
});
