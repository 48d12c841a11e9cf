/**
 * A plain-text m × n table of one metric for a terminal: aligned columns, the best per column
 * marked with `*`, failed cells `failed`, cancelled `-`. No colour, no markdown.
 */
import { isLowerBetter, type ExperimentResults } from '@mxn/core';
import { cellIndex, columnStats, formatNumber, isBest, metricValue, reportDatasets, reportMetrics, reportVariants } from './compare.js';
import { terminalText } from './escape.js';

/** `metric`: which metric to show. Default: the experiment's first metric. */
export function renderTextTable(results: ExperimentResults, metric = reportMetrics(results)[0] ?? ''): string {
  const find = cellIndex(results);
  const stats = columnStats(results, metric);
  const datasets = reportDatasets(results);
  const header = [`${terminalText(metric)} (${isLowerBetter(metric) ? 'lower' : 'higher'} is better)`, ...datasets.map(terminalText)];
  const rows = reportVariants(results).map((variant) => [
    terminalText(variant),
    ...datasets.map((dataset) => {
      const cell = find(variant, dataset);
      if (!cell) return '';
      if (cell.status === 'failed') return 'failed  ';
      if (cell.status === 'cancelled') return '-  ';
      const value = metricValue(cell, metric);
      if (value === undefined) return 'n/a  ';
      return `${formatNumber(value)}${isBest(stats, cell, metric) ? ' *' : '  '}`;
    }),
  ]);
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((text, column) => (column === 0 ? text.padEnd(widths[0]!) : text.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n')}\n`;
}
