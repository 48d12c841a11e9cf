import { describe, expect, it } from 'vitest';
import { mulberry32, shuffledIndices } from './random.js';
import { splitIndices, splitTable } from './split.js';
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
