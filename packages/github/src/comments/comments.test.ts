import { sampleResults } from '@mxn/core';
import { describe, expect, it } from 'vitest';
import { commentBudget } from '../sticky-comment.js';
import { renderPlanComment } from './plan-comment.js';
import { renderResultsComment } from './results-comment.js';

describe('plan comment', () => {
  it('lists every problem with file:line:col and no matrix', () => {
    const text = renderPlanComment({ experiment: 'demo', file: 'experiments/demo.yaml', problems: [{ file: 'experiments/demo.yaml', line: 10, column: 3, message: 'unknown key "targt"' }] });
    expect(text).toContain('experiments/demo.yaml:10:3: unknown key "targt"');
    expect(text).toContain('nothing will run');
    expect(text).not.toContain('| variant |');
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
