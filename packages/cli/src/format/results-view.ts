/** The m × n table of the main metric, for the terminal at the end of a run. */
import { isLowerBetter, type ExperimentResults } from '@mxn/core';
import { bold, red, type Output } from '../output.js';
import { textTable } from './table.js';

export function renderResultsTable(results: ExperimentResults, output: Output, metric = results.evaluation.metrics[0]!): string {
  const cells = new Map(results.cells.map((cell) => [`${cell.variant}\0${cell.dataset}`, cell]));
  const best = new Map<string, number>();
  for (const dataset of results.datasets) {
    const values = results.variants.map((variant) => cells.get(`${variant}\0${dataset}`)?.metrics[metric]).filter((value): value is number => Number.isFinite(value));
    if (values.length) best.set(dataset, isLowerBetter(metric) ? Math.min(...values) : Math.max(...values));
  }
  const rows = [
    [`${metric} (${isLowerBetter(metric) ? 'lower' : 'higher'} is better)`, ...results.datasets],
    ...results.variants.map((variant) => [
      variant,
      ...results.datasets.map((dataset) => {
        const cell = cells.get(`${variant}\0${dataset}`);
        if (!cell) return '';
        if (cell.status === 'failed') return red(output, 'failed');
        if (cell.status === 'cancelled') return '–';
        const value = cell.metrics[metric];
        if (value === undefined) return '?';
        const text = formatMetric(value);
        return value === best.get(dataset) ? bold(output, `${text} *`) : text;
      }),
    ]),
  ];
  return textTable(rows, { alignRight: (column) => column > 0 });
}

export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e9 || (abs !== 0 && abs < 1e-3)) return value.toExponential(3);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  const text = value.toPrecision(4);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}
