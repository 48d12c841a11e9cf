/**
 * How many rows each side of a split gets, counted before staging (for the plan) while reading as
 * little as possible: an ordered split from the footers' row-group statistics when they decide every
 * row group, otherwise the one column the split reads (`splitColumn`); a CSV is parsed whole.
 */
import type { FileMetaData } from 'hyparquet';
import { isCsvName, readCsv } from './csv.js';
import { DataError } from './errors.js';
import { type ByteRanges, readFooterRanges, readParquetRanges } from './parquet-read.js';
import { topLevelColumns } from './parquet-schema.js';
import { rowGroupFacts } from './parquet-stats.js';
import { countSplitSides, numericTestFrom, type SideCounts, type SplitSpec, splitColumn } from './split.js';
import { concatTables, selectColumns } from './table-ops.js';

/** One file of a dataset, read by byte ranges; `name` (its key) says whether it is CSV and names it in messages. */
export interface NamedRanges extends ByteRanges {
  name: string;
}

/** The sides, and what was read to count them: only the footers (`statistics`), or the split's column. */
export interface CountedSides extends SideCounts {
  counted: 'statistics' | 'column';
}

/**
 * Counts each side of `spec` over a dataset's files (the same rows staging will choose). A random split
 * needs no file read and is not counted here. Throws `DataError` as the split itself would.
 */
export async function countSplitSidesOfFiles(files: NamedRanges[], spec: SplitSpec, target: string): Promise<CountedSides> {
  const column = splitColumn(spec, target);
  if (column === undefined) throw new DataError('InvalidSplit', 'a random split is counted from the row count alone');
  files = files.map(keepingTail);
  if (spec.by !== undefined && spec.test_from !== undefined) {
    const fromStatistics = await orderedSidesFromStatistics(files, spec.by, spec.test_from);
    if (fromStatistics) return { ...fromStatistics, counted: 'statistics' };
  }
  const tables = [];
  for (const file of files) {
    tables.push(
      isCsvName(file.name)
        ? selectColumns(readCsv(await file.read(0, file.size), file.name), [column])
        : await readParquetRanges(file, { name: file.name, columns: [column] }),
    );
  }
  const table = tables.length === 1 ? tables[0]! : concatTables(tables);
  return { ...countSplitSides(table, spec, target), counted: 'column' };
}

/** Kinds whose statistics order every value the split compares (floats are left out: NaN is in no statistic). */
const ORDERED_KINDS = new Set(['int32', 'int64', 'date', 'timestamp']);

/**
 * An ordered split's sides from row-group statistics alone, when every row group of every file has no
 * nulls and lies wholly below or at/above `from`; undefined when any must be read (or a side is empty,
 * which the column read then reports as the split does).
 */
async function orderedSidesFromStatistics(files: NamedRanges[], by: string, from: string | number): Promise<SideCounts | undefined> {
  const sides = { train: 0, test: 0 };
  for (const file of files) {
    if (isCsvName(file.name)) return undefined;
    const metadata = await readFooterRanges(file, file.name);
    const counted = rowGroupSides(metadata, by, from);
    if (!counted) return undefined;
    sides.train += counted.train;
    sides.test += counted.test;
  }
  return sides.train > 0 && sides.test > 0 ? sides : undefined;
}

function rowGroupSides(metadata: FileMetaData, by: string, from: string | number): SideCounts | undefined {
  const detail = topLevelColumns(metadata).find((column) => column.name === by)?.detail;
  if (detail === undefined || !ORDERED_KINDS.has(detail.kind)) return undefined;
  const bound = numericTestFrom(from, detail.kind);
  if (Number.isNaN(bound)) return undefined;
  const sides = { train: 0, test: 0 };
  for (const group of rowGroupFacts(metadata, by) ?? []) {
    if (group.rows === 0) continue;
    if (group.nulls !== 0 || typeof group.min !== 'number' || typeof group.max !== 'number') return undefined;
    if (group.max < bound) sides.train += group.rows;
    else if (group.min >= bound) sides.test += group.rows;
    else return undefined;
  }
  return sides;
}

/** The file with its last read of the tail (its footer) kept, so statistics and then the column read it once. */
function keepingTail(file: NamedRanges): NamedRanges {
  const kept = new Map<string, Promise<Uint8Array>>();
  return {
    ...file,
    read: (start, end) => {
      if (end !== file.size) return file.read(start, end);
      const key = `${start}`;
      let bytes = kept.get(key);
      if (!bytes) {
        bytes = file.read(start, end);
        kept.set(key, bytes);
      }
      return bytes;
    },
  };
}
