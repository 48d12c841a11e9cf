/**
 * Whether new results say anything the committed ones do not. Two runs of the same cells differ in
 * their run id, their times, their attempts and where the aggregate wrote (a folder per run), and a
 * cell served from the cache is `cached` where it was `succeeded`; none of that is a new result.
 */
import type { CellResult, ExperimentResults } from '@mxn/core';

/** Fields that change from run to run with the same results. */
const VOLATILE_RUN = ['runId', 'startedAt', 'finishedAt', 'totals'] as const;
const VOLATILE_CELL = ['attempts', 'startedAt', 'finishedAt', 'durationMs', 'fromCache'] as const;
const VOLATILE_AGGREGATE = ['attempts', 'durationMs', 'output'] as const;

function without<T extends object>(value: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key))) as Partial<T>;
}

/** The results with their volatile fields taken out, cached cells counted as the successes they were. */
function comparable(results: ExperimentResults): unknown {
  return {
    ...without(results, VOLATILE_RUN),
    cells: (results.cells ?? []).map((cell: CellResult) => ({
      ...without(cell, VOLATILE_CELL),
      status: cell.status === 'cached' ? 'succeeded' : cell.status,
    })),
    ...(results.aggregate ? { aggregate: without(results.aggregate, VOLATILE_AGGREGATE) } : {}),
  };
}

/** JSON with every object's keys in order, so the order a writer chose does not count. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** True unless both texts are results files that differ only in volatile fields (see above). */
export function resultsChanged(committed: string, current: string): boolean {
  if (committed === current) return false;
  try {
    const [before, after] = [committed, current].map((text) => canonical(comparable(JSON.parse(text) as ExperimentResults)));
    return before !== after;
  } catch {
    return true;
  }
}
