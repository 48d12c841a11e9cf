import type { Plan } from '@mxn/core';
import { sampleResults } from '@mxn/report/testing';
import { describe, expect, it } from 'vitest';
import { commentBudget } from '../sticky-comment.js';
import { renderPlanComment } from './plan-comment.js';
import { renderResultsComment } from './results-comment.js';

describe('plan comment', () => {
  it('lists every problem with file:line:col and no matrix', () => {
    const text = renderPlanComment({
      experiment: 'demo',
      file: 'experiments/demo.yaml',
      problems: [{ file: 'experiments/demo.yaml', line: 10, column: 3, message: 'unknown key "targt"' }],
    });
    expect(text).toContain('experiments/demo.yaml:10:3: unknown key "targt"');
    expect(text).toContain('nothing will run');
    expect(text).not.toContain('| variant |');
  });

  it('says what the backend runs on, one escaped line each', () => {
    const text = renderPlanComment({
      experiment: 'demo',
      file: 'experiments/demo.yaml',
      plan: bigPlan(2, 2),
      backend: 'azure-batch',
      backendLines: [
        'pool mxn: microsoft-dsvm/ubuntu-hpc/2404, supported until 2029-06-30',
        'warning: vmSize Standard_D2_v2 is in a retiring family (Dv2)',
      ],
    });
    expect(text).toContain('- pool mxn: microsoft-dsvm/ubuntu-hpc/2404, supported until 2029-06-30');
    expect(text).toContain('- warning: vmSize Standard\\_D2\\_v2 is in a retiring family \\(Dv2\\)');
  });

  it('names the datasets whose cells will fail, and each dataset split and its CSV column types, escaped', () => {
    const plan: Plan = {
      ...bigPlan(1, 4),
      splits: {
        'region-3': { split: 'stratified by class', rows: 9, problem: 'the data could not be read: 503 <slow down>', transient: true },
        'region-0': { split: 'ordered: sold_at >= 2024-01-01 is test', rows: 500 },
        'region-2': { split: 'grouped by <b>_id, 20% test', rows: 9, problem: 'column "<b>_id" is missing' },
        'region-1': { split: 'random: 20% test, seed 42', rows: 1, train: 1, test: 0 },
      },
      csvColumns: { 'region-0': 'sold_at: date, price: int64' },
      datasetProblems: [
        { file: 'experiments/demo.yaml', line: 5, column: 12, message: 'data/r1.parquet: too few rows', dataset: 'region-1' },
      ],
    };
    const text = renderPlanComment({ experiment: 'demo', file: 'experiments/demo.yaml', plan });
    expect(text).toContain('**1 dataset problem**: their cells fail, the others run.');
    expect(text).toContain('- experiments/demo.yaml:5:12: data/r1.parquet: too few rows');
    expect(text).toContain('- region-0: ordered: sold\\_at &gt;= 2024-01-01 is test · 500 rows\n');
    expect(text).toContain('- region-1: random: 20% test, seed 42 · 1 rows: 1 train / 0 test');
    expect(text).toContain('- region-0 (CSV): sold\\_at: date, price: int64');
    expect(text).toContain(
      '- region-2: grouped by &lt;b&gt;\\_id, 20% test · 9 rows: ' +
        'sides not counted (column "&lt;b&gt;\\_id" is missing); its cells fail when staged',
    );
    // a store error while counting says so, and not that the cells will fail
    expect(text).toContain(
      '- region-3: stratified by class · 9 rows: sides not counted (the data could not be read: 503 &lt;slow down&gt;)\n',
    );
  });
});

/** A plan of `variants` × `datasets` cells; every third cell cached. */
function bigPlan(variants: number, datasets: number): Plan {
  const variantNames = Array.from({ length: variants }, (_, index) => `model-${index}[alpha=${index / 10}]`);
  const datasetNames = Array.from({ length: datasets }, (_, index) => `region-${index}`);
  const cells = variantNames.flatMap((variant, v) =>
    datasetNames.map((dataset, d) => ({
      id: `${variant}@${dataset}`,
      model: variant.split('[')[0]!,
      variant,
      params: {},
      dataset,
      key: `k${v}-${d}`,
      inputKey: `i${d}`,
      command: ['node', 'train.js'],
      willRun: (v + d) % 3 !== 0,
    })),
  );
  return { experiment: 'huge', runtime: 'container', runId: 'huge-0123456789ab', variants: variantNames, datasets: datasetNames, cells };
}

describe('plan comment of a plan too big for one comment', () => {
  it('keeps the counts and whole rows, and says how many variants and cells are left out', () => {
    const plan = bigPlan(100, 100);
    const text = renderPlanComment({ experiment: 'huge', file: 'experiments/huge.yaml', plan, note: '_the fork note_' });
    expect(text.length).toBeLessThanOrEqual(commentBudget('huge'));
    const toRun = plan.cells.filter((cell) => cell.willRun).length;
    expect(text).toContain(`**100 × 100 = 10000 cells** from \`experiments/huge.yaml\`: ${toRun} to run, ${10000 - toRun} cached`);
    const lines = text.split('\n');
    const header = lines.findIndex((line) => line.startsWith('| variant |'));
    expect(lines[header]!.split(' | ')).toHaveLength(101); // every dataset is a column
    const rows = lines.filter((line) => line.startsWith('| model-'));
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(100);
    // every row kept is whole (101 cells), and the table is contiguous from its header
    for (const row of rows) expect(row.split(' | ')).toHaveLength(101);
    expect(lines.slice(header + 2, header + 2 + rows.length)).toEqual(rows);
    const hidden = plan.cells.filter((cell) => Number(cell.variant.match(/model-(\d+)/)![1]) >= rows.length);
    const hiddenToRun = hidden.filter((cell) => cell.willRun).length;
    expect(text).toContain(
      `${100 - rows.length} more variants left out to fit GitHub's comment limit ` +
        `(${hidden.length} cells: ${hiddenToRun} to run, ${hidden.length - hiddenToRun} cached)`,
    );
    expect(text.trimEnd().endsWith('_the fork note_')).toBe(true);
  });

  it('drops columns too when a single row would not fit, and leaves a plan that fits as it is', () => {
    const wide = renderPlanComment({ experiment: 'wide', file: 'experiments/wide.yaml', plan: bigPlan(3, 9000) });
    expect(wide.length).toBeLessThanOrEqual(commentBudget('wide'));
    expect(wide).toMatch(/\d+ more datasets left out/);
    expect(wide.split('\n').filter((line) => line.startsWith('| model-')).length).toBeGreaterThan(0);
    const small = renderPlanComment({ experiment: 'small', file: 'experiments/small.yaml', plan: bigPlan(4, 3) });
    expect(small).not.toContain('left out');
    expect(small.split('\n').filter((line) => line.startsWith('| model-'))).toHaveLength(4);
  });
});

describe('results comment', () => {
  it('fits a huge matrix into one comment with a pointer to the committed summary', () => {
    const results = sampleResults({
      variants: Array.from({ length: 80 }, (_, index) => `model-${index}[alpha=${index / 10}]`),
      datasets: Array.from({ length: 40 }, (_, index) => `region-${index}`),
      status: (variant, dataset) => ((variant + dataset) % 7 === 0 ? 'failed' : 'succeeded'),
      error: 'Traceback (most recent call last):\n'.repeat(40),
    });
    const text = renderResultsComment(results, { summaryUrl: 'https://github.example/acme/pricing/blob/abc/results/x/summary.md' });
    expect(text.length).toBeLessThanOrEqual(commentBudget(results.experiment));
    expect(text).toMatch(/Shortened to fit/);
    expect(text).toContain('summary.md');
  });
});
