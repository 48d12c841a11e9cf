import { DataError } from './errors.js';
import type { Column, Table } from './table.js';

/** The column `name` of `table`; throws `DataError('ColumnMissing')` when there is none. */
export function column(table: Table, name: string): Column {
  const col = table.columns[name];
  if (col === undefined) {
    throw new DataError('ColumnMissing', `column "${name}" not found (columns: ${listNames(table.names)})`);
  }
  return col;
}

/** Whether `col` is numeric (a Float64Array). */
export function isNumericColumn(col: Column): col is Float64Array {
  return col instanceof Float64Array;
}

/**
 * Builds a table from columns in the given order, checking that every column has the same length.
 * An empty `names` list makes a table with `numRows` rows (default 0) and no columns.
 */
export function makeTable(names: string[], columns: Record<string, Column>, numRows?: number): Table {
  const seen = new Set<string>();
  let rows = numRows;
  for (const name of names) {
    if (seen.has(name)) throw new DataError('InvalidTable', `duplicate column name "${name}"`);
    seen.add(name);
    const col = columns[name];
    if (col === undefined) throw new DataError('InvalidTable', `column "${name}" is listed but has no data`);
    if (rows === undefined) rows = col.length;
    else if (col.length !== rows) {
      throw new DataError('InvalidTable', `column "${name}" has ${col.length} rows, expected ${rows}`);
    }
  }
  const picked: Record<string, Column> = {};
  for (const name of names) picked[name] = columns[name] as Column;
  return { names: [...names], columns: picked, numRows: rows ?? 0 };
}

/** A new table with the rows at `indices`, in that order (indices may repeat). Copies the data. */
export function selectRows(table: Table, indices: Uint32Array): Table {
  const n = indices.length;
  for (let i = 0; i < n; i++) {
    if ((indices[i] as number) >= table.numRows) {
      throw new DataError('InvalidTable', `row index ${indices[i]} out of range (table has ${table.numRows} rows)`);
    }
  }
  const columns: Record<string, Column> = {};
  for (const name of table.names) {
    const src = table.columns[name] as Column;
    if (src instanceof Float64Array) {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = src[indices[i] as number] as number;
      columns[name] = out;
    } else {
      const out = new Array<string | null>(n);
      for (let i = 0; i < n; i++) out[i] = src[indices[i] as number] as string | null;
      columns[name] = out;
    }
  }
  return withTypes({ names: [...table.names], columns, numRows: n }, table);
}

/** The same table without column `name` (the other columns are shared, not copied). */
export function dropColumn(table: Table, name: string): Table {
  column(table, name);
  const columns: Record<string, Column> = {};
  const names = table.names.filter((n) => n !== name);
  for (const n of names) columns[n] = table.columns[n] as Column;
  return withTypes({ names, columns, numRows: table.numRows }, table);
}

/** The same table with only the named columns, in the order given (columns are shared, not copied). */
export function selectColumns(table: Table, names: string[]): Table {
  const columns: Record<string, Column> = {};
  for (const n of names) columns[n] = column(table, n);
  return withTypes(makeTable(names, columns, table.numRows), table);
}

/** `table` with the column types `from` has for its columns (none when `from` has none). */
function withTypes(table: Table, from: Table): Table {
  if (!from.types) return table;
  const types: NonNullable<Table['types']> = {};
  for (const name of table.names) {
    const type = from.types[name];
    if (type) types[name] = type;
  }
  return { ...table, types };
}

/**
 * Stacks tables with the same column names (in any order; the first table's order is kept) and kinds.
 * Throws `DataError('ColumnMismatch')` naming the differing columns otherwise.
 */
export function concatTables(tables: Table[]): Table {
  const first = tables[0];
  if (first === undefined) throw new DataError('InvalidTable', 'concatTables needs at least one table');
  const names = first.names;
  tables.forEach((t, i) => {
    const missing = names.filter((n) => !(n in t.columns));
    const extra = t.names.filter((n) => !(n in first.columns));
    if (missing.length > 0 || extra.length > 0) {
      const parts = [];
      if (missing.length > 0) parts.push(`missing ${listNames(missing)}`);
      if (extra.length > 0) parts.push(`extra ${listNames(extra)}`);
      throw new DataError('ColumnMismatch', `cannot concatenate: table ${i} has different columns (${parts.join('; ')})`);
    }
    for (const n of names) {
      if (isNumericColumn(t.columns[n] as Column) !== isNumericColumn(first.columns[n] as Column)) {
        throw new DataError(
          'ColumnMismatch',
          `cannot concatenate: column "${n}" is ${kind(t.columns[n] as Column)} in table ${i} ` +
            `but ${kind(first.columns[n] as Column)} in table 0`,
        );
      }
    }
  });
  const numRows = tables.reduce((sum, t) => sum + t.numRows, 0);
  const columns: Record<string, Column> = {};
  for (const n of names) {
    if (isNumericColumn(first.columns[n] as Column)) {
      const out = new Float64Array(numRows);
      let at = 0;
      for (const t of tables) {
        out.set(t.columns[n] as Float64Array, at);
        at += t.numRows;
      }
      columns[n] = out;
    } else {
      const out = new Array<string | null>(numRows);
      let at = 0;
      for (const t of tables) {
        const src = t.columns[n] as Array<string | null>;
        for (let i = 0; i < src.length; i++) out[at + i] = src[i] as string | null;
        at += t.numRows;
      }
      columns[n] = out;
    }
  }
  // A type is kept only where every table has the same one: an int64 in one file and a double in another is a double.
  const agreed = tables.slice(1).reduce((types, t) => {
    const kept: NonNullable<Table['types']> = {};
    for (const [name, type] of Object.entries(types)) if (JSON.stringify(t.types?.[name]) === JSON.stringify(type)) kept[name] = type;
    return kept;
  }, first.types ?? {});
  return withTypes({ names: [...names], columns, numRows }, { ...first, types: agreed });
}

function kind(col: Column): string {
  return isNumericColumn(col) ? 'numeric' : 'string';
}

/** `"a", "b", "c"` — at most 10 names, then a count. */
export function listNames(names: readonly string[]): string {
  if (names.length === 0) return '(none)';
  const shown = names
    .slice(0, 10)
    .map((n) => `"${n}"`)
    .join(', ');
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown;
}
