/**
 * `report.html`: one self-contained page (inline CSS and JS, no external assets) with the run's
 * facts, a heatmap of the main metric (switchable to any other), and a sortable table of every cell.
 */
import { formatDuration, type ExperimentResults } from '@mxn/core';
import { baselineLookup, reportMetrics, runDurationMs, settingsChange, statusCounts } from './compare.js';
import { htmlAttribute as attr, htmlText as esc } from './escape.js';
import { REPORT_CSS, REPORT_JS } from './report-assets.js';
import { cellsTable, heatmapTable } from './report-html-tables.js';

export interface ReportHtmlOptions {
  /** Results of an earlier run: heatmap cells then also show their change against the same cell there. */
  baseline?: ExperimentResults;
}

export function renderReportHtml(results: ExperimentResults, options: ReportHtmlOptions = {}): string {
  const metrics = reportMetrics(results);
  const main = results.evaluation.metrics[0] ?? metrics[0];
  const findBaseline = options.baseline ? baselineLookup(options.baseline) : undefined;
  const selector =
    metrics.length > 1
      ? `<label for="metric">Metric</label> <select id="metric">${metrics
          .map((metric) => `<option value="${attr(metric)}"${metric === main ? ' selected' : ''}>${esc(metric)}</option>`)
          .join('')}</select>`
      : '';
  const panels = metrics.map(
    (metric) =>
      `<div class="wrap" data-heatmap="${attr(metric)}"${metric === main ? '' : ' hidden'}>` +
      `${heatmapTable(results, metric, findBaseline)}</div>`,
  );
  const legend = `★ best in column (green = better, red = worse) · ✗ failed · – cancelled${
    options.baseline ? ` · ▲/▼ better/worse than baseline run ${esc(options.baseline.runId)}` : ''
  }`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(results.experiment)} · mxn report</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${esc(results.experiment)}</h1>
${results.description ? `<p class="description">${esc(results.description)}</p>` : ''}
${factsList(results, options.baseline)}
</header>
<main>
<h2>Results by variant and dataset</h2>
<div class="toolbar">${selector}<span class="legend">${legend}</span></div>
${settingsNotes(results, findBaseline)}
${panels.join('\n')}
<h2>All cells (${results.cells.length})</h2>
<div class="wrap">${cellsTable(results, metrics)}</div>
</main>
<script>${REPORT_JS}</script>
</body>
</html>
`;
}

/** One note per variant whose fixed params or env differ from the baseline's: its cells are not compared. */
function settingsNotes(results: ExperimentResults, find: ReturnType<typeof baselineLookup> | undefined): string {
  const seen = new Set<string>();
  const notes = results.cells.flatMap((cell) => {
    const change = seen.has(cell.variant) ? undefined : settingsChange(find, cell);
    if (!change) return [];
    seen.add(cell.variant);
    return [`<li>≠ <code>${esc(cell.variant)}</code> runs with other settings than in the baseline: ${esc(change)}; not compared.</li>`];
  });
  return notes.length > 0 ? `<ul class="settings-changes">${notes.join('')}</ul>` : '';
}

function factsList(results: ExperimentResults, baseline: ExperimentResults | undefined): string {
  const counts = statusCounts(results);
  const cells = (['succeeded', 'cached', 'failed', 'cancelled'] as const)
    .filter((status) => counts[status] > 0)
    .map((status) => `${counts[status]} ${status}`)
    .join(' · ');
  const facts: Array<[string, string]> = [
    ['run', results.runId],
    ['backend', results.runtime ? `${results.backend} (${results.runtime === 'container' ? 'containers' : 'processes'})` : results.backend],
    ['started', results.startedAt],
    ['finished', results.finishedAt],
    ['duration', formatDuration(runDurationMs(results))],
    ['cells', `${results.cells.length}${cells ? `: ${cells}` : ''}`],
    ['task', `${results.evaluation.task}, target ${results.evaluation.target}`],
  ];
  if (results.aggregate) facts.push(['aggregate', `${results.aggregate.status} in ${formatDuration(results.aggregate.durationMs)}`]);
  if (baseline) facts.push(['baseline', `${baseline.experiment} · run ${baseline.runId}`]);
  return `<dl class="facts">${facts.map(([name, value]) => `<div><dt>${esc(name)}</dt><dd>${esc(value)}</dd></div>`).join('')}</dl>`;
}
