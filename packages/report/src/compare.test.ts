import { describe, expect, it } from 'vitest';
import {
  baselineLookup,
  columnStats,
  compareValues,
  formatNumber,
  formatPercent,
  formatSigned,
  isBest,
  metricValue,
  reportMetrics,
} from './compare.js';
import { sampleResults } from './testing/sample-results.js';

describe('formatNumber', () => {
  it('keeps a fixed number of significant digits', () => {
    for (const value of [0.123456, 1.23456, 12.3456, 123.456, 1234.56]) {
      const digits = formatNumber(value)
        .replace(/^[-0.]+/, '')
        .replace('.', '');
      expect(digits).toHaveLength(4);
      expect(Math.abs(Number(formatNumber(value)) - value) / value).toBeLessThan(1e-3);
    }
  });

  it('rounds large values to integers and writes tiny ones with an exponent', () => {
    expect(formatNumber(123456.7)).toBe(String(Math.round(123456.7)));
    expect(formatNumber(0.0000123456)).toMatch(/e-5$/);
    expect(formatNumber(0)).toBe('0');
  });

  it('signs deltas and percentages explicitly', () => {
    expect(formatSigned(0.5)).toMatch(/^\+/);
    expect(formatSigned(-0.5)).toMatch(/^−/);
    expect(formatPercent(-12.34)).toBe('−12%');
    expect(formatPercent(1.234)).toBe('+1.2%');
  });
});

describe('columnStats and isBest', () => {
  const results = sampleResults();

  it.each(['rmse', 'r2'])('marks the best usable value per dataset for %s, respecting direction', (metric) => {
    const stats = columnStats(results, metric);
    for (const dataset of results.datasets) {
      const values = results.cells
        .filter((cell) => cell.dataset === dataset)
        .map((cell) => metricValue(cell, metric))
        .filter((value): value is number => value !== undefined);
      const expected = metric === 'rmse' ? Math.min(...values) : Math.max(...values);
      expect(stats.get(dataset)?.best).toBe(expected);
      const best = results.cells.filter((cell) => cell.dataset === dataset && isBest(stats, cell, metric));
      expect(best.length).toBeGreaterThan(0);
      for (const cell of best) expect(cell.metrics[metric]).toBe(expected);
    }
  });

  it('ignores failed cells and does not call a lone value best', () => {
    const lone = sampleResults({ status: (v) => (v === 0 ? 'succeeded' : 'failed') });
    const stats = columnStats(lone, 'rmse');
    expect(stats.get('seoul')?.count).toBe(1);
    expect(stats.get('seoul')?.best).toBeUndefined();
  });
});

describe('compareValues', () => {
  it('calls a decrease better for lower-is-better metrics and worse otherwise', () => {
    expect(compareValues('rmse', 9, 10)).toMatchObject({ delta: -1, direction: 'better' });
    expect(compareValues('r2', 0.8, 0.9).direction).toBe('worse');
    expect(compareValues('r2', 0.9, 0.8).direction).toBe('better');
    expect(compareValues('mae', 5, 5).direction).toBe('same');
    expect(compareValues('rmse', 9, 10).percent).toBeCloseTo(-10);
    expect(compareValues('rmse', 1, 0).percent).toBeUndefined();
  });

  it('finds the baseline cell by id, or by variant and dataset when ids differ', () => {
    const current = sampleResults();
    const baseline = sampleResults();
    const renamed = baseline.cells[1]!;
    renamed.id = 'renamed-id';
    const find = baselineLookup(baseline);
    expect(find(current.cells[0]!)).toBe(baseline.cells[0]);
    expect(find(current.cells[1]!)).toBe(renamed);
  });

  it('lists the experiment metrics first, then extra metrics found in cells', () => {
    const results = sampleResults();
    results.cells[0]!.metrics.mape = 0.1;
    expect(reportMetrics(results)).toEqual([...results.evaluation.metrics, 'mape']);
  });
});
