import type { Plan } from '@mxn/core';
import { HOSTILE_STRINGS, INVISIBLE_CHARACTERS } from '@mxn/report/testing';
import { describe, expect, it } from 'vitest';
import type { Output } from '../output.js';
import { renderPlan } from './plan-view.js';

describe('renderPlan', () => {
  it('prints hostile names on their own row, without escape sequences or workflow commands', () => {
    const variants = ['ridge\u001b[2J\u001b[H', '::error::forged'];
    const datasets = ['seoul\n::warning::x', 'busan\u202Eevil ##[error]x'];
    const plan: Plan = {
      experiment: 'demo\u001b]0;title\u0007',
      runtime: 'container',
      runId: 'run-1\r\nx',
      variants,
      datasets,
      cells: variants.flatMap((variant) =>
        datasets.map((dataset) => ({
          id: `${variant}@${dataset}`,
          model: 'ridge',
          variant,
          params: {},
          fixed: {},
          env: {},
          dataset,
          key: 'k',
          inputKey: 'i',
          command: ['node'],
          willRun: true,
        })),
      ),
    };
    // a split's problem quotes the data (a column's name, a store's error text): every hostile string in it
    const problem = `column "g${HOSTILE_STRINGS.join('')}" has nulls`;
    plan.splits = {
      [datasets[0]!]: { split: `by group g${HOSTILE_STRINGS.join('')}`, rows: 10, problem },
      [datasets[1]!]: { split: 'by group g', rows: 10, problem: `the data could not be read: ${problem}`, transient: true },
    };
    const output: Output = { out: process.stdout, err: process.stderr, color: false };
    const text = renderPlan(plan, output, ['pool\nline']);
    // header, 2 variants, blank, summary, one backend line, one line per dataset
    expect(text.trimEnd().split('\n')).toHaveLength(8);
    for (const char of ['\u001b', '\u0007', '\u202E', '\r']) expect(text).not.toContain(char);
    expect(text).not.toMatch(INVISIBLE_CHARACTERS);
    expect(text).not.toMatch(/^\s*::|##\[/m);
    expect(text).toMatch(/has nulls\); its cells fail when staged\n/);
    // a store that could not be read now says so, and not that the cells will fail
    expect(text).toMatch(/sides not counted \(the data could not be read: [^\n]*has nulls\)\n/);
  });

  it('says how each dataset is split, the types inferred from a CSV, and which datasets fail their cells', () => {
    const cell = (dataset: string, datasetProblem?: string) => ({
      id: `ridge@${dataset}`,
      model: 'ridge',
      variant: 'ridge',
      params: {},
      fixed: {},
      env: {},
      dataset,
      key: `k-${dataset}`,
      inputKey: `i-${dataset}`,
      command: ['node'],
      willRun: true,
      ...(datasetProblem ? { datasetProblem } : {}),
    });
    const plan: Plan = {
      experiment: 'demo',
      runtime: 'process',
      runId: 'run-1',
      variants: ['ridge'],
      datasets: ['seoul', 'tiny'],
      cells: [cell('seoul'), cell('tiny', 'dataset tiny: data/tiny.parquet: has 1 row')],
      splits: {
        seoul: { split: 'random: 20% test, seed 42', rows: 200, train: 160, test: 40 },
        tiny: { split: 'random: 20% test, seed 42', rows: 1 },
      },
      csvColumns: { seoul: 'area: double, sold: date' },
      datasetProblems: [{ file: 'x.yaml', line: 6, column: 12, message: 'data/tiny.parquet: has 1 row', dataset: 'tiny' }],
    };
    const text = renderPlan(plan, { out: process.stdout, err: process.stderr, color: false });
    expect(text).toMatch(/ridge\s+run\s+fails \(dataset\)/);
    expect(text).toContain('seoul: random: 20% test, seed 42 · 200 rows: 160 train / 40 test\n');
    expect(text).toContain('seoul (CSV) columns: area: double, sold: date\n');
    expect(text).toContain('dataset problem x.yaml:6:12: data/tiny.parquet: has 1 row; its cells fail, the others run\n');
  });
});
