/** The two tables of `report.html`: the heatmap of one metric, and the sortable list of every cell. */
import { formatDuration, isLowerBetter, type CellResult, type ExperimentResults } from '@mxn/core';
import {
  cellChange,
  cellIndex,
  columnStats,
  formatNumber,
  formatPercent,
  formatSigned,
  isBest,
  metricValue,
  reportDatasets,
  reportVariants,
  settingsChange,
  settingsText,
  type ColumnStats,
  type baselineLookup,
} from './compare.js';
import { htmlAttribute as attr, htmlText as esc } from './escape.js';

type FindBaseline = ReturnType<typeof baselineLookup>;

/** Background for a value: green for the best end of its column, red for the worst (direction-aware). */
function heatColour(metric: string, value: number, column: ColumnStats | undefined): string {
  if (!column || column.min === undefined || column.max === undefined || column.max === column.min) {
    return 'hsl(50, 30%, 92%)';
  }
  const t = (value - column.min) / (column.max - column.min);
  const goodness = isLowerBetter(metric) ? 1 - t : t;
  return `hsl(${Math.round(goodness * 120)}, 65%, 84%)`;
}

export function heatmapTable(results: ExperimentResults, metric: string, findBaseline: FindBaseline | undefined): string {
  const find = cellIndex(results);
  const stats = columnStats(results, metric);
  const datasets = reportDatasets(results);
  const head = `<tr><th scope="col">variant</th>${datasets.map((d) => `<th scope="col">${esc(d)}</th>`).join('')}</tr>`;
  const rows = reportVariants(results).map((variant) => {
    const cells = datasets.map((dataset) => heatCell(find(variant, dataset), metric, stats, findBaseline));
    const settings = settingsText(results.cells.find((cell) => cell.variant === variant));
    const fixed = settings ? ` <span class="settings">${esc(settings)}</span>` : '';
    return `<tr><th scope="row">${esc(variant)}${fixed}</th>${cells.join('')}</tr>`;
  });
  const caption = `${esc(metric)} · ${isLowerBetter(metric) ? 'lower' : 'higher'} is better`;
  return (
    `<table class="heatmap" data-metric="${attr(metric)}"><caption>${caption}</caption>` +
    `<thead>${head}</thead><tbody>${rows.join('\n')}</tbody></table>`
  );
}

function heatCell(
  cell: CellResult | undefined,
  metric: string,
  stats: Map<string, ColumnStats>,
  findBaseline: FindBaseline | undefined,
): string {
  if (!cell) return '<td class="missing"></td>';
  const title = [cell.id, cell.status, `${cell.attempts} attempt(s)`, formatDuration(cell.durationMs)];
  if (cell.status === 'failed') {
    const reason = cell.exitCode === undefined ? '' : `exit code ${cell.exitCode}`;
    return `<td class="failed" title="${attr([...title, reason].filter(Boolean).join(' · '))}">✗ failed</td>`;
  }
  if (cell.status === 'cancelled') return `<td class="cancelled" title="${attr(title.join(' · '))}">–</td>`;
  const value = metricValue(cell, metric);
  if (value === undefined) return `<td class="missing" title="${attr(title.join(' · '))}">n/a</td>`;
  const best = isBest(stats, cell, metric);
  const change = cellChange(findBaseline, cell, metric);
  let delta = '';
  if (change) {
    const arrow = change.direction === 'better' ? '▲' : '▼';
    const percent = change.percent === undefined ? '' : ` (${formatPercent(change.percent)})`;
    delta =
      change.direction === 'same'
        ? '<span class="delta same">= unchanged</span>'
        : `<span class="delta ${change.direction}">${arrow} ${esc(formatSigned(change.delta))}${esc(percent)}</span>`;
  } else if (findBaseline && settingsChange(findBaseline, cell)) {
    delta = `<span class="delta differs" title="${attr(settingsChange(findBaseline, cell)!)}">≠ settings</span>`;
  } else if (findBaseline) {
    delta = '<span class="delta">new</span>';
  }
  return (
    `<td class="${best ? 'best' : ''}" style="background:${heatColour(metric, value, stats.get(cell.dataset))}"` +
    ` title="${attr([...title, `${metric} = ${value}`].join(' · '))}">` +
    `${esc(formatNumber(value))}${best ? ' ★' : ''}${delta}</td>`
  );
}

/** Every cell with its facts and metrics; headers sort the table (see REPORT_JS). */
export function cellsTable(results: ExperimentResults, metrics: string[]): string {
  const columns: Array<[string, 'text' | 'number']> = [
    ['id', 'text'],
    ['model', 'text'],
    ['variant', 'text'],
    ['dataset', 'text'],
    ['status', 'text'],
    ['attempts', 'number'],
    ['duration', 'number'],
    ...metrics.map((metric): [string, 'number'] => [metric, 'number']),
    ['error', 'text'],
  ];
  const head = `<tr>${columns.map(([name, type]) => `<th scope="col" data-type="${type}">${esc(name)}</th>`).join('')}</tr>`;
  const rows = results.cells.map((cell) => {
    const metricCells = metrics.map((metric) => {
      const value = metricValue(cell, metric);
      return value === undefined
        ? '<td class="num" data-sort=""></td>'
        : `<td class="num" data-sort="${value}">${esc(formatNumber(value))}</td>`;
    });
    return (
      `<tr><td>${esc(cell.id)}</td><td>${esc(cell.model)}</td><td>${esc(cell.variant)}</td><td>${esc(cell.dataset)}</td>` +
      `<td data-sort="${attr(cell.status)}"><span class="status ${esc(cell.status)}">${esc(cell.status)}</span></td>` +
      `<td class="num">${cell.attempts}</td>` +
      `<td class="num" data-sort="${cell.durationMs}">${esc(formatDuration(cell.durationMs))}</td>` +
      `${metricCells.join('')}${errorCell(cell)}</tr>`
    );
  });
  return `<table id="cells" class="sortable"><thead>${head}</thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function errorCell(cell: CellResult): string {
  if (!cell.error) return '<td class="error" data-sort=""></td>';
  const last =
    cell.error
      .split('\n')
      .filter((line) => line.trim() !== '')
      .pop() ?? '';
  const summary = `${cell.exitCode === undefined ? '' : `exit code ${cell.exitCode}: `}${last.trim()}`;
  return (
    `<td class="error" data-sort="${attr(cell.error)}"><details><summary title="${attr(summary)}">${esc(summary)}</summary>` +
    `<pre>${esc(cell.error)}</pre></details></td>`
  );
}
