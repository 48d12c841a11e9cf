import { describe, expect, it } from 'vitest';
import { type NamedRanges, countSplitSidesOfFiles } from './split-sides.js';
import { splitTable } from './split.js';
import type { SplitSpec } from './split.js';
import { writeParquet } from './parquet-write.js';
import type { Table } from './table.js';

const DAY = 86_400_000;
/** 100 rows: a date column in order, a group column of 10 groups, a class target with 70/30 classes. */
function table(): Table {
  const n = 100;
  return {
    names: ['sold', 'building', 'label', 'x'],
    columns: {
      sold: Float64Array.from({ length: n }, (_, i) => Date.UTC(2023, 0, 1) + i * DAY),
      building: Array.from({ length: n }, (_, i) => `b${i % 10}`),
      label: Array.from({ length: n }, (_, i) => (i % 10 < 7 ? 'yes' : 'no')),
      x: Float64Array.from({ length: n }, (_, i) => i),
    },
    numRows: n,
    types: { sold: { kind: 'date' }, building: { kind: 'string' }, label: { kind: 'string' }, x: { kind: 'double' } },
  };
}

/** A parquet file in memory read by ranges, recording the bytes each read asked for. */
function ranges(bytes: Uint8Array, name = 'data/homes.parquet'): NamedRanges & { bytesRead: number } {
  const file = {
    name,
    size: bytes.length,
    bytesRead: 0,
    read: async (start: number, end: number) => {
      file.bytesRead += end - start;
      return bytes.slice(start, end);
    },
  };
  return file;
}

describe('countSplitSidesOfFiles', () => {
  it.each<[string, SplitSpec]>([
    ['ordered', { test: 0.2, seed: 1, by: 'sold', test_from: '2023-03-15' }],
    ['group', { test: 0.3, seed: 5, group: 'building' }],
    ['stratified', { test: 0.2, seed: 3, stratify: true }],
  ])('counts the %s split the same as the split itself', async (_kind, spec) => {
    const split = splitTable(table(), spec, 'label');
    const file = ranges(writeParquet(table(), { rowGroupSize: 30 }));
    const counted = await countSplitSidesOfFiles([file], spec, 'label');
    expect([counted.train, counted.test]).toEqual([split.train.numRows, split.test.numRows]);
  });

  it('counts an ordered split from row-group statistics when they decide every group, else reads only its column', async () => {
    const bytes = writeParquet(table(), { rowGroupSize: 20 });
    const onBoundary = ranges(bytes);
    // 2023-03-15 is row 73, inside the fourth row group: that group's column is read.
    const inside = await countSplitSidesOfFiles([onBoundary], { test: 0.2, seed: 1, by: 'sold', test_from: '2023-03-15' }, 'label');
    expect(inside).toEqual({ train: 73, test: 27, counted: 'column' });
    expect(onBoundary.bytesRead).toBeLessThan(bytes.length);
    // 2023-03-02 is row 60, the first row of a row group: the footer decides.
    const onGroup = ranges(bytes);
    const decided = await countSplitSidesOfFiles([onGroup], { test: 0.2, seed: 1, by: 'sold', test_from: '2023-03-02' }, 'label');
    expect(decided).toEqual({ train: 60, test: 40, counted: 'statistics' });
    const footer = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 4).getUint32(0, true);
    expect(onGroup.bytesRead).toBe(footer + 16);
  });

  it('adds up the files of a dataset, and reads a CSV whole', async () => {
    const whole = table();
    const half = (from: number, to: number): Table => ({
      ...whole,
      numRows: to - from,
      columns: Object.fromEntries(Object.entries(whole.columns).map(([name, values]) => [name, values.slice(from, to)])),
    });
    const spec: SplitSpec = { test: 0.2, seed: 3, stratify: true };
    const files = [ranges(writeParquet(half(0, 50)), 'a.parquet'), ranges(writeParquet(half(50, 100)), 'b.parquet')];
    expect(await countSplitSidesOfFiles(files, spec, 'label')).toEqual({ train: 80, test: 20, counted: 'column' });
    const csv = `label\n${(whole.columns.label as string[]).join('\n')}\n`;
    expect(await countSplitSidesOfFiles([ranges(new TextEncoder().encode(csv), 'x.csv')], spec, 'label')).toMatchObject({
      train: 80,
      test: 20,
    });
  });

  it('counts micro timestamps before 1970 from statistics exactly, as the split compares them', async () => {
    // 8 rows from -4.5 ms to -1 ms by 0.5 ms, in row groups of 4: the test side starts at -2.5 ms, the second group.
    const at = Float64Array.from({ length: 8 }, (_, i) => -4.5 + i * 0.5);
    const micros: Table = {
      names: ['at', 'y'],
      columns: { at, y: at },
      numRows: 8,
      types: { at: { kind: 'timestamp', unit: 'MICROS', utc: true } },
    };
    const spec: SplitSpec = { test: 0.2, seed: 1, by: 'at', test_from: -2.5 };
    const split = splitTable(micros, spec, 'y');
    const counted = await countSplitSidesOfFiles([ranges(writeParquet(micros, { rowGroupSize: 4 }))], spec, 'y');
    expect(counted).toEqual({ train: split.train.numRows, test: split.test.numRows, counted: 'statistics' });
    expect(counted.train).toBe(4);
  });

  it('throws as the split does when a side would be empty', async () => {
    const file = ranges(writeParquet(table()));
    await expect(countSplitSidesOfFiles([file], { test: 0.2, seed: 1, by: 'sold', test_from: '2030-01-01' }, 'label')).rejects.toThrow(
      /leaves the test side empty/,
    );
  });
});
