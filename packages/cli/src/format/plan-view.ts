/** The plan as people read it: a matrix of cells marked run / cached, and a count line. */
import { formatIssue, type Plan } from '@mxn/core';
import { terminalText } from '@mxn/report';
import { dim, green, red, yellow, type Output } from '../output.js';
import { textTable } from './table.js';

export function renderPlan(plan: Plan, output: Output, backendLines: string[] = []): string {
  const cell = new Map(plan.cells.map((item) => [`${item.variant}\0${item.dataset}`, item]));
  const rows = [
    ['', ...plan.datasets.map(terminalText)],
    ...plan.variants.map((variant) => [
      terminalText(variant),
      ...plan.datasets.map((dataset) => {
        const item = cell.get(`${variant}\0${dataset}`);
        if (!item) return dim(output, '·');
        if (item.willRun && item.datasetProblem) return red(output, 'fails (dataset)');
        if (!item.willRun) return item.cached?.status === 'failed' ? red(output, 'failed (cached)') : green(output, 'cached');
        return item.cached ? yellow(output, `rerun (${item.cached.status === 'failed' ? 'failed' : 'cached'})`) : yellow(output, 'run');
      }),
    ]),
  ];
  const toRun = plan.cells.filter((item) => item.willRun).length;
  const failedCached = cachedFailures(plan);
  const cachedText = `${plan.cells.length - toRun - failedCached} cached${failedCached ? `, ${failedCached} failed (cached)` : ''}`;
  const summary =
    `${terminalText(plan.experiment)}: ${plan.variants.length} model variants × ${plan.datasets.length} datasets = ` +
    `${plan.cells.length} cells; ` +
    `${toRun} to run, ${cachedText}${plan.aggregate ? '; then the aggregate step' : ''} (run ${terminalText(plan.runId)})`;
  const hint = failedCached ? `${failedCached} cached failure${failedCached === 1 ? '' : 's'}: --rerun failed runs them again\n` : '';
  return (
    `${textTable(rows)}\n\n${summary}\n${hint}${backendLines.map((line) => `  ${terminalText(line)}\n`).join('')}` +
    datasetLines(plan, output)
  );
}

/** Each dataset's split and rows, a CSV's inferred column types, and the datasets whose cells will fail (and why). */
function datasetLines(plan: Plan, output: Output): string {
  const lines = plan.datasets.flatMap((name) => {
    const split = plan.splits?.[name];
    const sides =
      split?.train !== undefined && split.test !== undefined
        ? `: ${split.train} train / ${split.test} test`
        : split?.problem
          ? `: sides not counted (${terminalText(split.problem)})${split.transient ? '' : '; its cells fail when staged'}`
          : '';
    const columns = plan.csvColumns?.[name];
    return [
      ...(split ? [`${terminalText(name)}: ${terminalText(split.split)} · ${split.rows} rows${sides}`] : []),
      ...(columns ? [`${terminalText(name)} (CSV) columns: ${terminalText(columns)}`] : []),
    ];
  });
  const problems = (plan.datasetProblems ?? []).map(
    (issue) => `${red(output, 'dataset problem')} ${terminalText(formatIssue(issue))}; its cells fail, the others run`,
  );
  return [...lines, ...problems].map((line) => `${line}\n`).join('');
}

/** Cells not run because their stored result is a failure. */
export function cachedFailures(plan: Plan): number {
  return plan.cells.filter((item) => !item.willRun && item.cached?.status === 'failed').length;
}

/** The plan for machines (`--json`). */
export function planJson(plan: Plan, backendLines: string[] = []) {
  return {
    experiment: plan.experiment,
    runId: plan.runId,
    backend: backendLines,
    runtime: plan.runtime,
    variants: plan.variants,
    datasets: plan.datasets,
    cells: plan.cells.map((item) => ({
      id: item.id,
      model: item.model,
      variant: item.variant,
      params: item.params,
      dataset: item.dataset,
      key: item.key,
      cached: Boolean(item.cached),
      cachedStatus: item.cached?.status,
      willRun: item.willRun,
      ...(item.datasetProblem ? { datasetProblem: item.datasetProblem } : {}),
      ...(item.image ? { image: item.image } : {}),
      ...(item.contextHash ? { contextHash: item.contextHash } : {}),
    })),
    toRun: plan.cells.filter((item) => item.willRun).length,
    splits: plan.splits,
    csvColumns: plan.csvColumns,
    datasetProblems: (plan.datasetProblems ?? []).map((issue) => ({ dataset: issue.dataset, problem: formatIssue(issue) })),
    aggregate: plan.aggregate
      ? { command: plan.aggregate.command, image: plan.aggregate.image, contextHash: plan.aggregate.contextHash }
      : undefined,
  };
}
