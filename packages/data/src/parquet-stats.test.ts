import { describe, expect, it } from 'vitest';
import { type ColumnFacts, mergeFacts, readParquetFooter } from './parquet-stats.js';
import { readParquet } from './parquet-read.js';
import { readParquetSchema } from './parquet-schema.js';
import { writeParquet } from './parquet-write.js';
import type { Table } from './table.js';

const DAY = 86_400_000;
const NAN = Number.NaN;

/** 6 rows in row groups of 2: a target empty in the middle group, dates, micro timestamps before and after 1970, big int64s. */
function table(): Table {
  return {
    names: ['y', 'day', 'at', 'id', 'city'],
    columns: {
      y: Float64Array.from([1, 2, NAN, NAN, 5, 6]),
      day: Float64Array.from([0, 1, 2, 3, 4, 5], (i) => Date.UTC(2024, 0, 1) + i * DAY),
      // -1.5 ms and 2.25 ms: a truncating reader would say -1 and 2
      at: Float64Array.from([-1.5, -0.25, 0, 0.5, 1, 2.25]),
      id: ['1', '2', '3', '4', '5', '9007199254740993'],
      city: ['Oslo', 'Bergen', null, 'Tromsø', 'Ålesund', 'Bodø'],
    },
    numRows: 6,
    types: { y: { kind: 'double' }, day: { kind: 'date' }, at: { kind: 'timestamp', unit: 'MICROS', utc: true }, id: { kind: 'int64' } },
  };
}

describe('readParquetFooter', () => {
  const bytes = writeParquet(table(), { rowGroupSize: 2 });
  const footer = readParquetFooter(bytes);

  it('gives the schema readParquetSchema gives, from one parse', () => {
    const { columns, numRows } = footer;
    expect({ columns, numRows }).toEqual(readParquetSchema(bytes));
  });

  it('sums nulls over the row groups and takes the range of the groups holding a value', () => {
    expect(footer.facts('y')).toEqual({ nulls: 2, min: 1, max: 6 });
    expect(footer.facts('city')).toEqual({ nulls: 1, min: 'Bergen', max: 'Ålesund' });
  });

  it('gives dates and timestamps as the epoch ms the reader gives, fractions included', async () => {
    const read = await readParquet(bytes, { columns: ['day', 'at'] });
    const span = (values: Float64Array) => ({ min: Math.min(...values), max: Math.max(...values) });
    expect(footer.facts('day')).toEqual({ nulls: 0, ...span(read.columns.day as Float64Array) });
    expect(footer.facts('at')).toEqual({ nulls: 0, min: -1.5, max: 2.25 });
    expect(span(read.columns.at as Float64Array)).toEqual({ min: -1.5, max: 2.25 });
  });

  it('gives no range when a row group has an integer a number cannot hold exactly, nor for a missing column', () => {
    expect(footer.facts('id')).toEqual({ nulls: 0 });
    expect(footer.facts('nope')).toEqual({});
  });

  it('throws InvalidParquet for bytes without a footer', () => {
    expect(() => readParquetFooter(new Uint8Array(20), 'x.parquet')).toThrow(/x\.parquet: not a parquet file/);
  });
});

describe('mergeFacts', () => {
  it('adds nulls and widens the range over files', () => {
    const a: ColumnFacts = { nulls: 1, min: 3, max: 5 };
    expect(mergeFacts(undefined, a)).toEqual(a);
    expect(mergeFacts(a, { nulls: 2, min: 1, max: 4 })).toEqual({ nulls: 3, min: 1, max: 5 });
  });

  it('drops what one file does not give, and a range of another kind', () => {
    expect(mergeFacts({ nulls: 1, min: 3, max: 5 }, { min: 1, max: 2 })).toEqual({ min: 1, max: 5 });
    expect(mergeFacts({ nulls: 1, min: 3, max: 5 }, { nulls: 0 })).toEqual({ nulls: 1 });
    expect(mergeFacts({ nulls: 0, min: 'a', max: 'b' }, { nulls: 0, min: 1, max: 2 })).toEqual({ nulls: 0 });
  });
});
