/**
 * `summary.md`: a status line and, per metric, the m × n table (rows = model variants, columns =
 * datasets, best per column marked, change against a baseline), then the failed cells with their
 * log tails. Readable as a GitHub PR comment, and shortened to fit one when asked.
 */
import type { ExperimentResults } from '@mxn/core';
import { reportMetrics } from './compare.js';
import { markdownLink, markdownText } from './escape.js';
import { failedCount, failedSection, headerSection, legendLine, metricSection } from './summary-sections.js';

export interface SummaryOptions {
  /** Results of an earlier run: each cell then also shows its change against the same cell there. */
  baseline?: ExperimentResults;
  /** Link to the full report (e.g. the uploaded `report.html`); added at the end, and used by the shortening note. */
  reportUrl?: string;
  /**
   * Longest text to return, in characters (GitHub's comment limit is 65,536). When the summary is
   * longer, log tails are dropped first, then metrics after the first, then failed-cell lines, then
   * table rows; the text then ends with a line pointing at the full report. Default: no limit.
   */
  maxChars?: number;
}

interface Shape {
  logs: boolean;
  metrics: number;
  failedLimit?: number;
}

export function renderSummary(results: ExperimentResults, options: SummaryOptions = {}): string {
  const metrics = reportMetrics(results);
  const sections = new Map<string, string>();
  const section = (metric: string): string => {
    let text = sections.get(metric);
    if (text === undefined) {
      text = metricSection(results, metric, options.baseline);
      sections.set(metric, text);
    }
    return text;
  };
  const compose = (shape: Shape, shortened = false): string => {
    const parts = [headerSection(results, options.baseline), ...metrics.slice(0, shape.metrics).map(section)];
    if (shape.metrics < metrics.length) parts.push(`_Not shown here: ${metrics.slice(shape.metrics).map(markdownText).join(', ')}._`);
    parts.push(legendLine(options.baseline !== undefined));
    const failed = failedSection(results, { logs: shape.logs, ...(shape.failedLimit === undefined ? {} : { limit: shape.failedLimit }) });
    if (failed) parts.push(failed);
    if (!shortened && options.reportUrl) parts.push(markdownLink('Full report', options.reportUrl));
    return `${parts.join('\n\n')}\n`;
  };
  const full = compose({ logs: true, metrics: metrics.length });
  const max = options.maxChars;
  if (max === undefined || full.length <= max) return full;

  const pointer = pointerLine(options.reportUrl);
  const budget = max - pointer.length - 3;
  const fits = (shape: Shape): string | undefined => {
    const text = compose(shape, true);
    return text.length <= budget ? text : undefined;
  };
  const attempts: Shape[] = [];
  for (let count = metrics.length; count >= 1; count -= 1) attempts.push({ logs: false, metrics: count });
  const failed = failedCount(results);
  for (let limit = Math.min(failed, 50); limit >= 0; limit = limit > 10 ? limit - 10 : limit - 1) {
    attempts.push({ logs: false, metrics: 1, failedLimit: limit });
  }
  for (const shape of attempts) {
    const text = fits(shape);
    if (text !== undefined) return `${text.trimEnd()}\n\n${pointer}\n`;
  }
  // Still too long (a very large matrix): keep whole lines of the smallest form that fit.
  const smallest = compose({ logs: false, metrics: 1, failedLimit: 0 }, true);
  return `${cutLines(smallest, budget)}\n\n${pointer}\n`.slice(0, max);
}

function pointerLine(reportUrl: string | undefined): string {
  const where = reportUrl ? markdownLink('the full report', reportUrl) : 'the full `summary.md` and `report.html` of this run';
  return `_Shortened to fit; see ${where}._`;
}

/** Whole lines of `text` up to `budget` characters, with a note of how many were left out. */
function cutLines(text: string, budget: number): string {
  const lines = text.trimEnd().split('\n');
  const kept: string[] = [];
  let length = 0;
  const noteRoom = 40;
  for (const line of lines) {
    if (length + line.length + 1 > budget - noteRoom) break;
    kept.push(line);
    length += line.length + 1;
  }
  const dropped = lines.length - kept.length;
  return dropped > 0 ? `${kept.join('\n')}\n\n… ${dropped} more lines left out` : kept.join('\n');
}
