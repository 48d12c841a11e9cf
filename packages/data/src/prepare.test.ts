import { describe, expect, it } from 'vitest';
import { prepareCellInputs } from './prepare.js';
import type { Table } from './table.js';

function dataset(n: number): Table {
  return {
    names: ['area', 'price', 'region'],
    columns: {
      area: new Float64Array(n).map((_, i) => 50 + i),
      price: new Float64Array(n).map((_, i) => 1000 * (50 + i)),
      region: Array.from({ length: n }, (_, i) => (i % 2 ? 'a' : 'b')),
    },
    numRows: n,
  };
}

describe('prepareCellInputs', () => {
  it('splits, drops the target from test and keeps the labels row-aligned with test', () => {
    const { train, test, labels } = prepareCellInputs(dataset(100), { target: 'price', split: { test: 0.2, seed: 42 } });
    expect(train.names).toEqual(['area', 'price', 'region']);
    expect(test.names).toEqual(['area', 'region']);
    expect(labels.names).toEqual(['price']);
    expect(test.numRows).toBe(20);
    expect(train.numRows).toBe(80);
    const area = test.columns.area as Float64Array;
    const price = labels.columns.price as Float64Array;
    for (let i = 0; i < test.numRows; i++) expect(price[i]).toBe(1000 * (area[i] as number));
  });

  it('uses a given test table as-is instead of splitting', () => {
    const held = dataset(7);
    const { train, test, labels } = prepareCellInputs(dataset(30), { target: 'price', split: { test: 0.5, seed: 1 }, testTable: held });
    expect(train.numRows).toBe(30);
    expect(test.numRows).toBe(7);
    expect(labels.columns.price).toEqual(held.columns.price);
    expect(test.names).toEqual(['area', 'region']);
  });

  it('orders test columns like train and leaves out test-only columns', () => {
    const held: Table = {
      names: ['region', 'extra', 'price', 'area'],
      columns: { region: ['a'], extra: ['x'], price: Float64Array.from([1]), area: Float64Array.from([2]) },
      numRows: 1,
    };
    expect(prepareCellInputs(dataset(5), { target: 'price', testTable: held }).test.names).toEqual(['area', 'region']);
  });

  it('raises typed errors for a missing target, mismatched test columns, no split, and an empty side', () => {
    expect(() => prepareCellInputs(dataset(10), { target: 'cost', split: { test: 0.2, seed: 1 } })).toThrow(
      expect.objectContaining({ code: 'TargetMissing', message: expect.stringContaining('"cost"') }),
    );
    const noTarget: Table = { names: ['area', 'region'], columns: { area: Float64Array.from([1]), region: ['a'] }, numRows: 1 };
    expect(() => prepareCellInputs(dataset(10), { target: 'price', testTable: noTarget })).toThrow(
      expect.objectContaining({ code: 'TargetMissing', message: expect.stringContaining('test table') }),
    );
    const noRegion: Table = {
      names: ['area', 'price'],
      columns: { area: Float64Array.from([1]), price: Float64Array.from([1]) },
      numRows: 1,
    };
    expect(() => prepareCellInputs(dataset(10), { target: 'price', testTable: noRegion })).toThrow(
      expect.objectContaining({ code: 'ColumnMismatch', message: expect.stringContaining('"region"') }),
    );
    expect(() => prepareCellInputs(dataset(10), { target: 'price' })).toThrow(expect.objectContaining({ code: 'InvalidSplit' }));
    expect(() => prepareCellInputs(dataset(3), { target: 'price', split: { test: 0.1, seed: 1 } })).toThrow(
      expect.objectContaining({ code: 'EmptySplit' }),
    );
  });
});
