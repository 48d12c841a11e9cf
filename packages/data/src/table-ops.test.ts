import { describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { column, concatTables, dropColumn, makeTable, selectColumns, selectRows } from './table-ops.js';
import type { Table } from './table.js';

const t = (x: number[], s: Array<string | null>): Table => ({
  names: ['x', 's'],
  columns: { x: Float64Array.from(x), s },
  numRows: x.length,
});

describe('table helpers', () => {
  it('column returns a column and names the available ones when missing', () => {
    expect(column(t([1], ['a']), 's')).toEqual(['a']);
    expect(() => column(t([1], ['a']), 'y')).toThrow(/column "y" not found \(columns: "x", "s"\)/);
  });

  it('selectRows copies the rows at the indices, in their order', () => {
    const out = selectRows(t([10, 20, 30], ['a', null, 'c']), Uint32Array.from([2, 0, 2]));
    expect(Array.from(out.columns.x as Float64Array)).toEqual([30, 10, 30]);
    expect(out.columns.s).toEqual(['c', 'a', 'c']);
    expect(out.numRows).toBe(3);
    expect(() => selectRows(t([1], ['a']), Uint32Array.from([1]))).toThrow(DataError);
  });

  it('dropColumn and selectColumns keep the remaining columns in order', () => {
    expect(dropColumn(t([1], ['a']), 'x').names).toEqual(['s']);
    expect(selectColumns(t([1], ['a']), ['s', 'x']).names).toEqual(['s', 'x']);
    expect(() => dropColumn(t([1], ['a']), 'q')).toThrow(expect.objectContaining({ code: 'ColumnMissing' }));
  });

  it('makeTable rejects unequal lengths and duplicates', () => {
    expect(() => makeTable(['a', 'b'], { a: new Float64Array(2), b: ['x'] })).toThrow(/"b" has 1 rows, expected 2/);
    expect(() => makeTable(['a', 'a'], { a: new Float64Array(2) })).toThrow(/duplicate/);
  });

  it('concatTables stacks rows and accepts another column order', () => {
    const b: Table = { names: ['s', 'x'], columns: { s: ['z'], x: Float64Array.from([9]) }, numRows: 1 };
    const out = concatTables([t([1, 2], ['a', null]), b]);
    expect(out.names).toEqual(['x', 's']);
    expect(Array.from(out.columns.x as Float64Array)).toEqual([1, 2, 9]);
    expect(out.columns.s).toEqual(['a', null, 'z']);
    expect(out.numRows).toBe(3);
  });

  it('concatTables names the differing columns', () => {
    const other: Table = { names: ['x', 'y'], columns: { x: new Float64Array(1), y: new Float64Array(1) }, numRows: 1 };
    expect(() => concatTables([t([1], ['a']), other])).toThrow(/table 1 has different columns \(missing "s"; extra "y"\)/);
    const kinds: Table = { names: ['x', 's'], columns: { x: ['1'], s: ['a'] }, numRows: 1 };
    expect(() => concatTables([t([1], ['a']), kinds])).toThrow(/"x" is string in table 1 but numeric in table 0/);
    expect(() => concatTables([])).toThrow(DataError);
  });
});
