import { describe, expect, it } from 'vitest';
import { mulberry32, shuffledIndices } from './random.js';
import { numericTestFrom, splitIndices, splitTable } from './split.js';
import type { Table } from './table.js';

function numbered(n: number): Table {
  return {
    names: ['id', 'label'],
    columns: { id: new Float64Array(n).map((_, i) => i), label: Array.from({ length: n }, (_, i) => `r${i}`) },
    numRows: n,
  };
}

describe('mulberry32', () => {
  it('matches an independent BigInt implementation of the algorithm (exact 32-bit integer arithmetic)', () => {
    // mulberry32 written with BigInt, modulo 2^32, sharing no code or float maths with random.ts
    const M = 0xffffffffn;
    const mul = (a: bigint, b: bigint) => (a * b) & M;
    function* reference(seed: bigint) {
      let s = seed & M;
      for (;;) {
        s = (s + 0x6d2b79f5n) & M;
        let t = mul(s ^ (s >> 15n), s | 1n);
        t = (t ^ ((t + mul(t ^ (t >> 7n), t | 61n)) & M)) & M;
        yield Number((t ^ (t >> 14n)) & M) / 4294967296;
      }
    }
    for (const seed of [0, 1, 42, 4294967295]) {
      const rand = mulberry32(seed);
      const ref = reference(BigInt(seed));
      for (let i = 0; i < 200; i++) expect(rand()).toBe(ref.next().value);
    }
  });

  it('gives values in [0, 1) spread evenly', () => {
    const rand = mulberry32(7);
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const v = rand();
      if (!(v >= 0 && v < 1)) outside++;
      else buckets[Math.floor(v * 10)]!++;
    }
    expect(outside).toBe(0);
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(500);
  });
});

describe('shuffledIndices', () => {
  it('is a permutation of 0..n-1 that depends on the seed', () => {
    const a = shuffledIndices(1000, 1);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(shuffledIndices(1000, 1))).toEqual(Array.from(a));
    expect(Array.from(shuffledIndices(1000, 2))).not.toEqual(Array.from(a));
  });
});

describe('splitTable', () => {
  it('is deterministic from the seed and differs between seeds', () => {
    const t = numbered(500);
    const a = splitTable(t, { test: 0.2, seed: 42 });
    const b = splitTable(t, { test: 0.2, seed: 42 });
    const c = splitTable(t, { test: 0.2, seed: 43 });
    expect(a.test.columns.id).toEqual(b.test.columns.id);
    expect(a.test.columns.id).not.toEqual(c.test.columns.id);
  });

  it('makes disjoint sides that cover every row, sized round(n × test), rows kept aligned and in file order', () => {
    const n = 1003;
    const { train, test } = splitTable(numbered(n), { test: 0.25, seed: 9 });
    expect(test.numRows).toBe(Math.round(n * 0.25));
    expect(train.numRows + test.numRows).toBe(n);
    const ids = [...train.columns.id!, ...test.columns.id!] as number[];
    expect(new Set(ids).size).toBe(n);
    const trainIds = Array.from(train.columns.id as Float64Array);
    expect(trainIds).toEqual([...trainIds].sort((x, y) => x - y));
    // the string column follows the same rows as the numeric one
    expect(test.columns.label).toEqual(Array.from(test.columns.id as Float64Array, (i) => `r${i}`));
  });

  it('accepts large and negative integer seeds', () => {
    const a = splitIndices(100, { test: 0.3, seed: 2 ** 40 + 5 });
    const b = splitIndices(100, { test: 0.3, seed: -5 });
    expect(a.test.length).toBe(30);
    expect(b.test.length).toBe(30);
    expect(Array.from(a.test)).not.toEqual(Array.from(splitIndices(100, { test: 0.3, seed: 5 }).test));
  });

  it('refuses fractions outside (0, 1), non-integer seeds and splits with an empty side', () => {
    expect(() => splitIndices(10, { test: 0, seed: 1 })).toThrow(expect.objectContaining({ code: 'InvalidSplit' }));
    expect(() => splitIndices(10, { test: 1, seed: 1 })).toThrow(expect.objectContaining({ code: 'InvalidSplit' }));
    expect(() => splitIndices(10, { test: 0.5, seed: 1.5 })).toThrow(expect.objectContaining({ code: 'InvalidSplit' }));
    expect(() => splitIndices(4, { test: 0.1, seed: 1 })).toThrow(
      expect.objectContaining({ code: 'EmptySplit', message: expect.stringMatching(/test side empty/) }),
    );
    expect(() => splitIndices(4, { test: 0.9, seed: 1 })).toThrow(
      expect.objectContaining({ code: 'EmptySplit', message: expect.stringMatching(/train side empty/) }),
    );
  });
});

describe('splitTable: ordered, group and stratified splits', () => {
  /** Generated data: 2,000 sales over 2023–2024, 97 buildings, three classes in a 70/20/10 mix, in shuffled order. */
  function sales(): Table {
    const n = 2000;
    const order = shuffledIndices(n, 3);
    const day = 86_400_000;
    const soldAt = new Float64Array(n).map((_, i) => Date.UTC(2023, 0, 1) + (order[i]! % 730) * day);
    return {
      names: ['sold_at', 'building', 'floor', 'kind'],
      columns: {
        sold_at: soldAt,
        building: Array.from({ length: n }, (_, i) => `b${(order[i]! * 7) % 97}`),
        floor: new Float64Array(n).map((_, i) => order[i]! % 30),
        kind: Array.from({ length: n }, (_, i) => (i % 10 < 7 ? 'flat' : i % 10 < 9 ? 'house' : 'loft')),
      },
      numRows: n,
      types: { sold_at: { kind: 'date' }, floor: { kind: 'int64' } },
    };
  }

  it('a time split puts every row from test_from on the test side and no later row in training', () => {
    const table = sales();
    const from = '2024-07-01';
    const { train, test } = splitTable(table, { test: 0.2, seed: 42, by: 'sold_at', test_from: from });
    const bound = Date.UTC(2024, 6, 1);
    expect(train.numRows + test.numRows).toBe(table.numRows);
    expect(Array.from(train.columns.sold_at as Float64Array).filter((t) => t >= bound)).toEqual([]);
    expect(Array.from(test.columns.sold_at as Float64Array).filter((t) => t < bound)).toEqual([]);
    expect(test.numRows).toBeGreaterThan(0);
    // a timestamp bound with a time, numbers and strings compare the same way
    const at = splitTable(table, { test: 0.2, seed: 1, by: 'sold_at', test_from: '2024-07-01T00:00:00Z' });
    expect(at.test.numRows).toBe(test.numRows);
    const floors = splitTable(table, { test: 0.2, seed: 1, by: 'floor', test_from: 25 });
    expect(Math.min(...(floors.test.columns.floor as Float64Array))).toBe(25);
    expect(Math.max(...(floors.train.columns.floor as Float64Array))).toBe(24);
    const names = splitTable(table, { test: 0.2, seed: 1, by: 'building', test_from: 'b9' });
    expect((names.train.columns.building as string[]).every((b) => b < 'b9')).toBe(true);
    expect((names.test.columns.building as string[]).every((b) => b >= 'b9')).toBe(true);
  });

  it('a time split refuses a bound that empties a side, a bound of the wrong kind and a missing column', () => {
    const table = sales();
    expect(() => splitTable(table, { test: 0.2, seed: 1, by: 'sold_at', test_from: '2030-01-01' })).toThrow(
      expect.objectContaining({ code: 'EmptySplit', message: expect.stringMatching(/sold_at >= 2030-01-01 leaves the test side empty/) }),
    );
    expect(() => splitTable(table, { test: 0.2, seed: 1, by: 'sold_at', test_from: 'soon' })).toThrow(
      expect.objectContaining({ code: 'InvalidSplit' }),
    );
    expect(() => splitTable(table, { test: 0.2, seed: 1, by: 'sold', test_from: 1 })).toThrow(
      expect.objectContaining({ code: 'ColumnMissing', message: expect.stringMatching(/split\.by column "sold" not found/) }),
    );
  });

  it('a group split never puts one group on both sides, and is the same for the same seed whatever the row order', () => {
    const table = sales();
    const { train, test } = splitTable(table, { test: 0.2, seed: 42, group: 'building' });
    const trainGroups = new Set(train.columns.building as string[]);
    const leaked = (test.columns.building as string[]).filter((b) => trainGroups.has(b));
    expect(leaked).toEqual([]);
    expect(train.numRows + test.numRows).toBe(table.numRows);
    expect(test.numRows / table.numRows).toBeGreaterThan(0.08);
    expect(test.numRows / table.numRows).toBeLessThan(0.35);
    const reversed = selectRowsReversed(table);
    const again = splitTable(reversed, { test: 0.2, seed: 42, group: 'building' });
    expect(new Set(again.test.columns.building as string[])).toEqual(new Set(test.columns.building as string[]));
    const other = splitTable(table, { test: 0.2, seed: 7, group: 'building' });
    expect(new Set(other.test.columns.building as string[])).not.toEqual(new Set(test.columns.building as string[]));
    expect(() => splitTable(table, { test: 0.2, seed: 1, group: 'constant' })).toThrow(expect.objectContaining({ code: 'ColumnMissing' }));
  });

  it('a stratified split keeps each class in proportion and is deterministic', () => {
    const table = sales();
    const split = splitTable(table, { test: 0.2, seed: 42, stratify: true }, 'kind');
    const count = (rows: string[], kind: string) => rows.filter((k) => k === kind).length;
    for (const [kind, total] of [
      ['flat', 1400],
      ['house', 400],
      ['loft', 200],
    ] as const) {
      expect(count(split.test.columns.kind as string[], kind)).toBe(total * 0.2);
      expect(count(split.train.columns.kind as string[], kind)).toBe(total * 0.8);
    }
    const again = splitTable(table, { test: 0.2, seed: 42, stratify: true }, 'kind');
    expect(again.test.columns.building).toEqual(split.test.columns.building);
    const other = splitTable(table, { test: 0.2, seed: 43, stratify: true }, 'kind');
    expect(other.test.columns.building).not.toEqual(split.test.columns.building);
  });
});

function selectRowsReversed(table: Table): Table {
  const names = table.names;
  const columns = Object.fromEntries(
    names.map((name) => {
      const values = table.columns[name]!;
      return [name, values instanceof Float64Array ? Float64Array.from(values).reverse() : [...values].reverse()];
    }),
  );
  return { ...table, columns };
}

describe('numericTestFrom', () => {
  it('reads a date or time as epoch ms (UTC without a zone), a number as itself, anything else as NaN', () => {
    expect(numericTestFrom('2024-01-02', 'date')).toBe(Date.UTC(2024, 0, 2));
    expect(numericTestFrom('2024-01-02 03:04:05', 'timestamp')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(numericTestFrom('2024-01-02T03:04:05+01:00', 'timestamp')).toBe(Date.UTC(2024, 0, 2, 2, 4, 5));
    expect(numericTestFrom(-2.5, 'timestamp')).toBe(-2.5);
    expect(numericTestFrom('7', 'int32')).toBe(7);
    expect(numericTestFrom('soon', 'date')).toBeNaN();
    expect(numericTestFrom('2024-01-02', 'double')).toBeNaN();
  });
});
