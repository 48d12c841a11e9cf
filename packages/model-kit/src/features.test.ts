import { describe, expect, it } from 'vitest';
import type { Table } from '@mxn/data';
import { features, targetValues } from './features.js';

const train: Table = {
  names: ['area', 'district', 'price'],
  columns: {
    area: Float64Array.of(10, 20, 30, NaN),
    district: ['north', 'south', 'south', null],
    price: Float64Array.of(100, 300, 500, 200),
  },
  numRows: 4,
};

describe('features', () => {
  it('leaves out the target and one-hot encodes strings with the levels seen when fitting', () => {
    const encoder = features(train, { target: 'price' });
    expect(encoder.names).toEqual(['area', 'district=north', 'district=south']);
    const rows = encoder.transform(train);
    expect(rows.map((r) => r.slice(1))).toEqual([
      [1, 0],
      [0, 1],
      [0, 1],
      [0, 0],
    ]);
  });

  it('standardises with the fitted mean and sd, applies them unchanged to test, and imputes missing values with the mean', () => {
    const encoder = features(train, { target: 'price' });
    // mean of 10, 20, 30 is 20; population sd is sqrt(200/3)
    const sd = Math.sqrt(200 / 3);
    const fitted = encoder.transform(train).map((r) => r[0] as number);
    expect(fitted[0]).toBeCloseTo(-10 / sd, 12);
    expect(fitted[2]).toBeCloseTo(10 / sd, 12);
    expect(fitted[3]).toBe(0);
    const test: Table = { names: ['area', 'district'], columns: { area: Float64Array.of(40), district: ['west'] }, numRows: 1 };
    const [row] = encoder.transform(test);
    expect(row?.[0]).toBeCloseTo(20 / sd, 12);
    expect(row?.slice(1)).toEqual([0, 0]);
  });

  it('keeps raw values when standardize is false', () => {
    const encoder = features(train, { target: 'price', standardize: false, categorical: 'drop' });
    expect(encoder.names).toEqual(['area']);
    expect(encoder.transform(train).map((r) => r[0])).toEqual([10, 20, 30, 20]);
  });

  it('ranks ordinal levels by their mean target, with -1 for unseen and null', () => {
    const t: Table = {
      names: ['city', 'y'],
      columns: { city: ['b', 'a', 'c', 'a', 'b', null], y: Float64Array.of(5, 9, 1, 11, 5, 0) },
      numRows: 6,
    };
    const encoder = features(t, { target: 'y', categorical: 'ordinal' });
    expect(encoder.names).toEqual(['city']);
    // means: c = 1, b = 5, a = 10
    expect(encoder.transform(t).map((r) => r[0])).toEqual([1, 2, 0, 2, 1, -1]);
    const test: Table = { names: ['city'], columns: { city: ['z', 'c'] }, numRows: 2 };
    expect(encoder.transform(test).map((r) => r[0])).toEqual([-1, 0]);
  });

  it('caps the levels per column at maxLevels, keeping the most frequent', () => {
    const encoder = features(train, { target: 'price', maxLevels: 1, exclude: ['area'] });
    expect(encoder.names).toEqual(['district=south']);
  });

  it('names a fitted column that is missing from the table to transform', () => {
    const encoder = features(train, { target: 'price' });
    const test: Table = { names: ['district'], columns: { district: ['north'] }, numRows: 1 };
    expect(() => encoder.transform(test)).toThrow('column "area" was fitted but is missing');
  });

  it('refuses an empty table and a table with nothing but the target', () => {
    expect(() => features({ names: ['a'], columns: { a: new Float64Array(0) }, numRows: 0 })).toThrow('empty table');
    expect(() => features({ names: ['y'], columns: { y: Float64Array.of(1) }, numRows: 1 }, { target: 'y' })).toThrow('no feature columns');
  });
});

describe('targetValues', () => {
  it('returns the numeric target and rejects a string or missing one', () => {
    expect(Array.from(targetValues(train, 'price'))).toEqual([100, 300, 500, 200]);
    expect(() => targetValues(train, 'district')).toThrow('is not numeric');
    expect(() => targetValues(train, 'rent')).toThrow('not found');
  });
});
