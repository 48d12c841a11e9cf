export { renderSummary, type SummaryOptions } from './summary-markdown.js';
export { renderReportHtml, type ReportHtmlOptions } from './report-html.js';
export { renderTextTable } from './text-table.js';
export {
  baselineLookup,
  cellChange,
  columnStats,
  compareValues,
  formatNumber,
  formatPercent,
  formatSigned,
  isBest,
  metricValue,
  reportDatasets,
  reportMetrics,
  reportVariants,
  type Change,
  type ColumnStats,
  type Direction,
} from './compare.js';
export { escapeHtml, escapeMarkdown } from './markdown-text.js';
export { readResults, writeResults, type WriteResultsOptions, type WrittenResults } from './write-results.js';
