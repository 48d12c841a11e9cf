import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { describeColumnTypes, isCsvName, readCsv, readCsvSchema } from './csv.js';
import { readParquet } from './parquet-read.js';
import { writeParquet } from './parquet-write.js';

const CSV = [
  'id,price,ratio,sold,listed_at,seen_at,note,big,empty',
  '1,100,0.5,2024-01-31,2024-01-31 08:00:00,2024-01-31T08:00:00Z,"plain",9007199254740993,',
  '2,,1e-3,2024-02-29,2024-02-29T09:30:15.250,2024-02-29T09:30:00+09:00,"a, b",2,',
  '3,300,-2,,,,"two',
  'lines ""quoted""",,',
  '4,400,NaN,2023-12-01,2023-12-01 00:00,2023-12-01T00:00:00.000001Z,,4,',
].join('\r\n');

describe('readCsv', () => {
  it('parses quoted fields, embedded commas and newlines, empty fields as nulls, and infers each column type', () => {
    const table = readCsv(new TextEncoder().encode(CSV), 'data/x.csv');
    expect(table.numRows).toBe(4);
    expect(describeColumnTypes(readCsvSchema(new TextEncoder().encode(CSV)).columns)).toBe(
      'id: int64, price: int64, ratio: double, sold: date, listed_at: timestamp[us], seen_at: timestamp[us, UTC], ' +
        'note: string, big: int64, empty: double',
    );
    expect(table.columns.note).toEqual(['plain', 'a, b', 'two\r\nlines "quoted"', null]);
    expect(Array.from(table.columns.price as Float64Array)).toEqual([100, NaN, 300, 400]);
    expect(Array.from(table.columns.ratio as Float64Array)).toEqual([0.5, 0.001, -2, NaN]);
    expect(Array.from(table.columns.sold as Float64Array)).toEqual([
      Date.UTC(2024, 0, 31),
      Date.UTC(2024, 1, 29),
      NaN,
      Date.UTC(2023, 11, 1),
    ]);
    expect((table.columns.listed_at as Float64Array)[1]).toBe(Date.UTC(2024, 1, 29, 9, 30, 15, 250));
    expect((table.columns.seen_at as Float64Array)[1]).toBe(Date.UTC(2024, 1, 29, 0, 30));
    expect((table.columns.seen_at as Float64Array)[3]).toBeCloseTo(Date.UTC(2023, 11, 1) + 0.001, 6);
    expect(table.columns.big).toEqual(['9007199254740993', '2', null, '4']); // beyond 2^53: kept exact
  });

  it('writes the inferred types to parquet (dates as DATE, timestamps as TIMESTAMP, integers as INT64)', async () => {
    const table = readCsv(new TextEncoder().encode(CSV));
    const back = await readParquet(writeParquet(table));
    expect(back.types).toEqual(table.types);
    expect(back.columns).toEqual(table.columns);
  });

  it('reads .csv.gz (by content) and names only .csv and .csv.gz as CSV', () => {
    const table = readCsv(gzipSync(Buffer.from('a,b\n1,x\n2,y\n')));
    expect([table.names, table.numRows, table.types]).toEqual([['a', 'b'], 2, { a: { kind: 'int64' }, b: { kind: 'string' } }]);
    expect([isCsvName('data/x.csv'), isCsvName('x.CSV.gz'), isCsvName('x.parquet'), isCsvName('x.csv.zip')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('keeps a column with mixed zoned and unzoned timestamps, or bad dates, as strings', () => {
    const table = readCsv(Buffer.from('t,d\n2024-01-01T00:00:00Z,2024-02-30\n2024-01-01T00:00:00,2024-02-01\n'));
    expect(table.types).toEqual({ t: { kind: 'string' }, d: { kind: 'string' } });
  });

  it('fails with the file, the line and a hint on a broken CSV', () => {
    expect(() => readCsv(Buffer.from('a,b\n1,2,3\n'), 'data/bad.csv')).toThrow(/^data: data\/bad\.csv: Invalid Record Length.*line 2/);
    expect(() => readCsv(Buffer.from('a,a\n1,2\n'), 'data/dup.csv')).toThrow('data: data/dup.csv: column "a" appears twice in the header');
    expect(() => readCsv(Buffer.from(''), 'data/empty.csv')).toThrow('data/empty.csv: no header row');
  });
});

describe('readCsv header names', () => {
  it('leaves out the unnamed first column pandas to_csv() writes for the index', () => {
    const text = ',district,price\n0,Mapo,10.5\n1,Jung,20\n';
    const table = readCsv(new TextEncoder().encode(text), 'data/homes.csv');
    expect(table.names).toEqual(['district', 'price']);
    expect(Object.keys(table.columns)).toEqual(['district', 'price']);
    expect(describeColumnTypes(readCsvSchema(new TextEncoder().encode(text)).columns)).toBe('district: string, price: double');
  });

  it('refuses any other column without a name, naming the file, the column and the fix', () => {
    expect(() => readCsv(new TextEncoder().encode('district,,price\nMapo,1,2\n'), 'data/homes.csv')).toThrow(
      expect.objectContaining({
        code: 'InvalidCsv',
        exitClass: 'input',
        message: 'data: data/homes.csv: column 2 of the header has no name; name it in the first line',
      }),
    );
    expect(() => readCsv(new TextEncoder().encode(',,price\n0,1,2\n'), 'x.csv')).toThrow(/column 2 of the header has no name/);
  });
});
