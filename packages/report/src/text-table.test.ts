import { describe, expect, it } from 'vitest';
import { sampleResults } from './testing/sample-results.js';
import { renderTextTable } from './text-table.js';

describe('renderTextTable', () => {
  const results = sampleResults();

  it('aligns one row per variant with a column per dataset', () => {
    const lines = renderTextTable(results).trimEnd().split('\n');
    expect(lines).toHaveLength(results.variants.length + 2);
    expect(lines[0]).toMatch(/^rmse \(lower is better\)/);
    for (const dataset of results.datasets) expect(lines[0]).toContain(dataset);
    lines.slice(2).forEach((line, index) => {
      expect(line.startsWith(results.variants[index]!)).toBe(true);
    });
    expect(lines[4]).toMatch(/failed$/);
    expect(new Set(lines.map((line) => line.length)).size).toBeLessThanOrEqual(2);
  });

  it('marks the best value of each column for the chosen metric', () => {
    const lines = renderTextTable(results, 'r2').trimEnd().split('\n').slice(2);
    results.datasets.forEach((dataset, column) => {
      const values = results.cells.filter((cell) => cell.dataset === dataset && cell.status !== 'failed').map((cell) => cell.metrics.r2!);
      const best = Math.max(...values);
      lines.forEach((line, row) => {
        const cell = results.cells.find((c) => c.variant === results.variants[row] && c.dataset === dataset)!;
        const text =
          line
            .slice(results.variants.reduce((w, v) => Math.max(w, v.length), 0))
            .trim()
            .split(/\s{2,}/)[column] ?? '';
        if (cell.status !== 'failed') expect(text.endsWith('*')).toBe(cell.metrics.r2 === best);
      });
    });
  });
});
