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
export {
  cleanText,
  detailsCode,
  detailsText,
  fencedBlock,
  htmlAttribute,
  htmlText,
  inlineCode,
  markdownLink,
  markdownText,
  tableCell,
  terminalText,
} from './escape.js';
export { readResults, writeResults, type WriteResultsOptions, type WrittenResults } from './write-results.js';
