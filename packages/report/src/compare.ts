/**
 * Comparison helpers shared by the report renderers: the m × n grid of a metric, the best
 * value per column (direction-aware), and the change of a cell against a baseline run.
 */
import { isLowerBetter, type CellResult, type ExperimentResults } from '@mxn/core';

/** Metric names to report: the experiment's own list first, then any others the cells carry. */
export function reportMetrics(results: ExperimentResults): string[] {
  return withExtras(
    results.evaluation.metrics,
    results.cells.flatMap((cell) => Object.keys(cell.metrics)),
  );
}

/** Row names (model variants) in experiment order, plus any that only appear in the cells. */
export function reportVariants(results: ExperimentResults): string[] {
  return withExtras(
    results.variants,
    results.cells.map((cell) => cell.variant),
  );
}

/** Column names (datasets) in experiment order, plus any that only appear in the cells. */
export function reportDatasets(results: ExperimentResults): string[] {
  return withExtras(
    results.datasets,
    results.cells.map((cell) => cell.dataset),
  );
}

function withExtras(ordered: string[], seen: string[]): string[] {
  const names = [...ordered];
  const known = new Set(names);
  for (const name of seen) {
    if (!known.has(name)) {
      known.add(name);
      names.push(name);
    }
  }
  return names;
}

/** Looks cells up by variant and dataset. */
export function cellIndex(results: ExperimentResults): (variant: string, dataset: string) => CellResult | undefined {
  const byPair = new Map<string, CellResult>();
  for (const cell of results.cells) byPair.set(pairKey(cell.variant, cell.dataset), cell);
  return (variant, dataset) => byPair.get(pairKey(variant, dataset));
}

function pairKey(variant: string, dataset: string): string {
  return `${variant}\u0000${dataset}`;
}

/** A cell's value for `metric` when the cell has a usable one (succeeded or cached, finite number). */
export function metricValue(cell: CellResult | undefined, metric: string): number | undefined {
  if (!cell || (cell.status !== 'succeeded' && cell.status !== 'cached')) return undefined;
  const value = cell.metrics[metric];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** True when `a` is better than `b` for `metric`. */
function isBetter(metric: string, a: number, b: number): boolean {
  return isLowerBetter(metric) ? a < b : a > b;
}

export interface ColumnStats {
  /** The best value in the column, when at least two cells have a usable value (one value is not a comparison). */
  best?: number;
  /** Smallest and largest usable values (for colour scales). */
  min?: number;
  max?: number;
  /** How many cells in the column have a usable value. */
  count: number;
}

/** Per dataset: the best, smallest and largest value of `metric` over the variants. */
export function columnStats(results: ExperimentResults, metric: string): Map<string, ColumnStats> {
  const find = cellIndex(results);
  const stats = new Map<string, ColumnStats>();
  const variants = reportVariants(results);
  for (const dataset of reportDatasets(results)) {
    const values = variants
      .map((variant) => metricValue(find(variant, dataset), metric))
      .filter((value): value is number => value !== undefined);
    const column: ColumnStats = { count: values.length };
    if (values.length > 0) {
      column.min = values.reduce((a, b) => Math.min(a, b));
      column.max = values.reduce((a, b) => Math.max(a, b));
    }
    if (values.length > 1) column.best = isLowerBetter(metric) ? column.min : column.max;
    stats.set(dataset, column);
  }
  return stats;
}

/** True when `cell` holds the best value of `metric` in its column (ties are all best). */
export function isBest(stats: Map<string, ColumnStats>, cell: CellResult | undefined, metric: string): boolean {
  const value = metricValue(cell, metric);
  const best = cell ? stats.get(cell.dataset)?.best : undefined;
  return value !== undefined && best !== undefined && value === best;
}

/** Finds the baseline's counterpart of `cell`: the same id, or else the same variant and dataset. */
export function baselineLookup(baseline: ExperimentResults): (cell: CellResult) => CellResult | undefined {
  const byId = new Map(baseline.cells.map((cell) => [cell.id, cell]));
  const find = cellIndex(baseline);
  return (cell) => byId.get(cell.id) ?? find(cell.variant, cell.dataset);
}

/** `max_features=1.0, seed=7 · env OMP_NUM_THREADS=1`: a cell's fixed (non-grid) params and env, `''` when none. */
export function settingsText(cell: CellResult | undefined): string {
  const pairs = (record: Record<string, string> | undefined) => Object.entries(record ?? {}).map(([key, value]) => `${key}=${value}`);
  const fixed = pairs(cell?.fixed).join(', ');
  const env = pairs(cell?.env).join(', ');
  return [fixed, env && `env ${env}`].filter(Boolean).join(' · ');
}

/**
 * How `cell`'s settings (its params as the model got them, and its env) differ from its baseline
 * counterpart's, e.g. `max_features 1.0 (baseline 0.5)`; `undefined` when they match or there is no counterpart.
 */
export function settingsChange(find: ((cell: CellResult) => CellResult | undefined) | undefined, cell: CellResult): string | undefined {
  const before = find?.(cell);
  if (!before) return undefined;
  const shown = (item: CellResult, key: string) => item.fixed?.[key] ?? JSON.stringify(item.params[key]) ?? 'unset';
  const keys = [...new Set([...Object.keys(cell.params), ...Object.keys(before.params)])].filter(
    (key) =>
      JSON.stringify(cell.params[key]) !== JSON.stringify(before.params[key]) ||
      (cell.fixed !== undefined && before.fixed !== undefined && cell.fixed[key] !== before.fixed[key]),
  );
  const envKeys = [...new Set([...Object.keys(cell.env ?? {}), ...Object.keys(before.env ?? {})])].filter(
    (key) => cell.env?.[key] !== before.env?.[key],
  );
  const parts = [
    ...keys.map((key) => `${key} ${shown(cell, key)} (baseline ${shown(before, key)})`),
    ...envKeys.map((key) => `env ${key} ${cell.env?.[key] ?? 'unset'} (baseline ${before.env?.[key] ?? 'unset'})`),
  ];
  return parts.length > 0 ? parts.join(', ') : undefined;
}

export type Direction = 'better' | 'worse' | 'same';

export interface Change {
  /** current − baseline. */
  delta: number;
  /** delta relative to |baseline|, in percent; undefined when the baseline is 0. */
  percent?: number;
  direction: Direction;
}

/** How `current` compares with `baseline` for `metric`, respecting its direction. */
export function compareValues(metric: string, current: number, baseline: number): Change {
  const delta = current - baseline;
  const change: Change = {
    delta,
    direction: delta === 0 ? 'same' : isBetter(metric, current, baseline) ? 'better' : 'worse',
  };
  if (baseline !== 0) change.percent = (delta / Math.abs(baseline)) * 100;
  return change;
}

/**
 * The change of `cell`'s `metric` against its baseline counterpart, when both have a usable value and
 * the same settings (other fixed params or env make another configuration: no change is shown).
 */
export function cellChange(
  find: ((cell: CellResult) => CellResult | undefined) | undefined,
  cell: CellResult | undefined,
  metric: string,
): Change | undefined {
  if (!find || !cell || settingsChange(find, cell) !== undefined) return undefined;
  const current = metricValue(cell, metric);
  const before = metricValue(find(cell), metric);
  return current === undefined || before === undefined ? undefined : compareValues(metric, current, before);
}

/**
 * Formats a metric value with a fixed number of significant digits (default 4): `0.1235`, `12.35`,
 * `1235`; large values are rounded to integers, tiny ones use exponent notation.
 */
export function formatNumber(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 10 ** digits) return Math.round(value).toString();
  if (magnitude < 1e-4) return value.toExponential(digits - 1);
  return value.toPrecision(digits);
}

/** Signed number with a real minus sign: `+0.01`, `−0.01`. */
export function formatSigned(value: number, digits = 3): string {
  const text = formatNumber(Math.abs(value), digits);
  return value > 0 ? `+${text}` : value < 0 ? `−${text}` : '±0';
}

/** `+1.2%`, `−0.4%`; two significant digits below 10 %, whole numbers above. */
export function formatPercent(percent: number): string {
  const magnitude = Math.abs(percent);
  const text = magnitude >= 10 ? Math.round(magnitude).toString() : magnitude.toPrecision(2);
  return `${percent > 0 ? '+' : percent < 0 ? '−' : '±'}${text}%`;
}

/** Duration of the whole run, from its start and finish timestamps (0 when unreadable). */
export function runDurationMs(results: ExperimentResults): number {
  const ms = Date.parse(results.finishedAt) - Date.parse(results.startedAt);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/** Counts by status, taken from the cells themselves (the `totals` field may be stale in hand-edited files). */
export function statusCounts(results: ExperimentResults): Record<CellResult['status'], number> {
  const counts = { succeeded: 0, failed: 0, cached: 0, cancelled: 0 };
  for (const cell of results.cells) counts[cell.status] += 1;
  return counts;
}
