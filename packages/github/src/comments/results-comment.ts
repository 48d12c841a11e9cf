/**
 * The results comment: the committed summary (per-metric m × n tables, change against the baseline,
 * failed cells), shortened to fit a comment.
 */
import type { ExperimentResults } from '@mxn/core';
import { markdownLink, renderSummary } from '@mxn/report';
import { commentBudget } from '../sticky-comment.js';

export interface ResultsCommentOptions {
  baseline?: ExperimentResults;
  /** Where the baseline came from, said under the title: markdown written by mxn (a branch name in it as `inlineCode`). */
  baselineLabel?: string;
  reportUrl?: string;
  /** Where the full summary is committed, for the shortening pointer. */
  summaryUrl?: string;
  /** Default: GitHub's limit minus the marker. */
  maxChars?: number;
}

export function renderResultsComment(results: ExperimentResults, options: ResultsCommentOptions = {}): string {
  const footer = [
    options.baselineLabel ? `<sub>Baseline: ${options.baselineLabel}.</sub>` : '',
    options.summaryUrl ? `<sub>Committed: ${markdownLink('summary.md', options.summaryUrl)}</sub>` : '',
  ]
    .filter(Boolean)
    .join('\n');
  const maxChars = (options.maxChars ?? commentBudget(results.experiment)) - footer.length - 2;
  const reportUrl = options.reportUrl ?? options.summaryUrl;
  const summary = renderSummary(results, {
    ...(options.baseline ? { baseline: options.baseline } : {}),
    ...(reportUrl ? { reportUrl } : {}),
    maxChars,
  });
  return footer ? `${summary.trimEnd()}\n\n${footer}\n` : summary;
}
