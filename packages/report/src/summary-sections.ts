/** The parts of `summary.md`: header, one table per metric, failed cells. */
import { formatDuration, isLowerBetter, type CellResult, type ExperimentResults } from '@mxn/core';
import {
  baselineLookup,
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
  runDurationMs,
  settingsChange,
  settingsText,
  statusCounts,
  type Change,
} from './compare.js';
import { detailsCode, detailsText, fencedBlock, inlineCode, markdownText, tableCell } from './escape.js';

/** Marks: best value in a column, and the change against a baseline. */
const MARKS = { best: '★', better: '▲', worse: '▼', same: '=', failed: '✗ failed', cancelled: '–', differs: '≠' } as const;

export function headerSection(results: ExperimentResults, baseline: ExperimentResults | undefined): string {
  const lines = [`## mxn · ${markdownText(results.experiment)}`, ''];
  if (results.description) lines.push(markdownText(results.description), '');
  lines.push(statusLine(results));
  const splits = splitLines(results);
  if (splits.length > 0) lines.push('', ...splits);
  if (baseline) {
    lines.push('', `Compared with run ${inlineCode(baseline.runId)}: ${MARKS.better} better, ${MARKS.worse} worse.`);
    lines.push(...settingsChanges(results, baseline));
  }
  return lines.join('\n');
}

/** One line per variant whose fixed params or env differ from the baseline's: those cells show no change. */
function settingsChanges(results: ExperimentResults, baseline: ExperimentResults): string[] {
  const find = baselineLookup(baseline);
  const seen = new Set<string>();
  return results.cells.flatMap((cell) => {
    const change = seen.has(cell.variant) ? undefined : settingsChange(find, cell);
    if (!change) return [];
    seen.add(cell.variant);
    return [
      '',
      `${MARKS.differs} ${inlineCode(cell.variant)} runs with other settings than in the baseline: ${markdownText(change)}; ` +
        'its cells are not compared.',
    ];
  });
}

/**
 * How each dataset was split and the rows on each side: one line when every dataset shares its split
 * (`**Split** random: 20% test, seed 42 · seoul 160 train / 40 test · …`), else one line per dataset.
 */
function splitLines(results: ExperimentResults): string[] {
  const splits = results.splits;
  if (!splits) return [];
  const datasets = results.datasets.filter((name) => splits[name] !== undefined);
  if (datasets.length === 0) return [];
  const rows = (name: string) => {
    const { train, test } = splits[name]!;
    return train === undefined || test === undefined ? 'rows not counted' : `${train} train / ${test} test rows`;
  };
  const kinds = new Set(datasets.map((name) => splits[name]!.split));
  if (kinds.size === 1)
    return [`**Split**: ${markdownText([...kinds][0]!)} · ${datasets.map((name) => `${markdownText(name)} ${rows(name)}`).join(' · ')}`];
  return ['**Splits**:', ...datasets.map((name) => `- ${markdownText(name)}: ${markdownText(splits[name]!.split)} · ${rows(name)}`)];
}

/** `**9 cells**: 6 succeeded · 1 cached · 1 failed · backend `local` · run `…` · 2m5s` */
function statusLine(results: ExperimentResults): string {
  const counts = statusCounts(results);
  const parts = (['succeeded', 'cached', 'failed', 'cancelled'] as const)
    .filter((status) => counts[status] > 0)
    .map((status) => `${counts[status]} ${status}`);
  const facts = [
    parts.join(' · ') || 'no cells',
    ...(results.aggregate ? [`aggregate ${results.aggregate.status}`] : []),
    `backend ${inlineCode(results.backend)}${results.runtime === 'process' ? ' (processes)' : ''}`,
    `run ${inlineCode(results.runId)}`,
    formatDuration(runDurationMs(results)),
  ];
  return `**${results.cells.length} cells**: ${facts.join(' · ')}`;
}

export function metricSection(results: ExperimentResults, metric: string, baseline: ExperimentResults | undefined): string {
  const variants = reportVariants(results);
  const datasets = reportDatasets(results);
  const find = cellIndex(results);
  const stats = columnStats(results, metric);
  const findBaseline = baseline ? baselineLookup(baseline) : undefined;
  const direction = isLowerBetter(metric) ? 'lower is better' : 'higher is better';
  const rows = variants.map((variant) => {
    const cells = datasets.map((dataset) => cellText(find(variant, dataset), metric, stats, findBaseline));
    const settings = settingsText(results.cells.find((cell) => cell.variant === variant));
    return `| ${tableCell(variant)}${settings ? ` <sub>${tableCell(settings)}</sub>` : ''} | ${cells.join(' | ')} |`;
  });
  return [
    `### ${markdownText(metric)} (${direction})`,
    '',
    `| variant | ${datasets.map(tableCell).join(' | ')} |`,
    `| :-- | ${datasets.map(() => '--:').join(' | ')} |`,
    ...rows,
  ].join('\n');
}

function cellText(
  cell: CellResult | undefined,
  metric: string,
  stats: ReturnType<typeof columnStats>,
  findBaseline: ReturnType<typeof baselineLookup> | undefined,
): string {
  if (!cell) return '';
  if (cell.status === 'failed') return MARKS.failed;
  if (cell.status === 'cancelled') return MARKS.cancelled;
  const value = metricValue(cell, metric);
  if (value === undefined) return 'n/a';
  let text = isBest(stats, cell, metric) ? `**${formatNumber(value)}** ${MARKS.best}` : formatNumber(value);
  const change = cellChange(findBaseline, cell, metric);
  if (change) text += ` ${changeText(change)}`;
  else if (findBaseline && settingsChange(findBaseline, cell)) text += ` ${MARKS.differs} settings`;
  else if (findBaseline) text += ' (new)';
  return text;
}

/** `▲ −120 (−1.0%)`: the arrow says better or worse, the numbers say by how much. */
function changeText(change: Change): string {
  if (change.direction === 'same') return MARKS.same;
  const arrow = change.direction === 'better' ? MARKS.better : MARKS.worse;
  const percent = change.percent === undefined ? '' : ` (${formatPercent(change.percent)})`;
  return `${arrow} ${formatSigned(change.delta)}${percent}`;
}

export function legendLine(baseline: boolean): string {
  const parts = [`${MARKS.best} best in column`, `${MARKS.failed}`, `${MARKS.cancelled} cancelled`];
  if (baseline) parts.push(`${MARKS.better}/${MARKS.worse} better/worse than baseline`);
  return `<sub>${parts.join(' · ')}</sub>`;
}

interface FailedEntry {
  id: string;
  facts: string;
  error: string;
}

function failedEntries(results: ExperimentResults): FailedEntry[] {
  const entries: FailedEntry[] = results.cells
    .filter((cell) => cell.status === 'failed')
    .map((cell) => ({
      id: cell.id,
      facts: [
        cell.exitCode === undefined ? 'no exit code' : `exit code ${cell.exitCode}`,
        `${cell.attempts} attempt${cell.attempts === 1 ? '' : 's'}`,
        ...(cell.infrastructure ? ['infrastructure failure, retried by the next run'] : []),
        ...(cell.fromCache ? ['cached failure'] : []),
      ].join(', '),
      error: cell.error ?? '',
    }));
  if (results.aggregate?.status === 'failed') {
    entries.push({ id: 'aggregate', facts: `${results.aggregate.attempts} attempts`, error: results.aggregate.error ?? '' });
  }
  return entries;
}

export function failedCount(results: ExperimentResults): number {
  return failedEntries(results).length;
}

/**
 * The failed cells. `logs`: include each error text (the tail of the log) in a collapsible block;
 * otherwise one line each with the error's last line (its tail ends with the reason). `limit`: list at most this many.
 */
export function failedSection(results: ExperimentResults, options: { logs: boolean; limit?: number }): string {
  const entries = failedEntries(results);
  if (entries.length === 0) return '';
  const shown = entries.slice(0, options.limit ?? entries.length);
  const lines = [`### Failed cells (${entries.length})`, ''];
  for (const entry of shown) {
    if (options.logs) {
      lines.push(
        `<details><summary>${detailsCode(entry.id)} — ${detailsText(entry.facts)}</summary>`,
        '',
        fencedBlock(entry.error || '(no error text)'),
        '',
        '</details>',
        '',
      );
    } else {
      const last =
        entry.error
          .split('\n')
          .filter((line) => line.trim() !== '')
          .pop() ?? '';
      const short = last.length > 120 ? `${last.slice(0, 119)}…` : last;
      lines.push(`- ${markdownText(entry.id)} — ${entry.facts}${short ? `: ${markdownText(short.trim())}` : ''}`);
    }
  }
  if (shown.length < entries.length) lines.push(`- … and ${entries.length - shown.length} more`);
  return lines.join('\n').trimEnd();
}
