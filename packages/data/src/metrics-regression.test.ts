import { describe, expect, it } from 'vitest';
import { regressionMetrics } from './metrics-regression.js';

const f = (xs: number[]) => Float64Array.from(xs);

describe('regressionMetrics', () => {
  it('matches hand-computed values', () => {
    // y = [3, -0.5, 2, 7], p = [2.5, 0, 2, 8]: errors 0.5, -0.5, 0, -1
    const m = regressionMetrics(f([3, -0.5, 2, 7]), f([2.5, 0, 2, 8]));
    expect(m.mae).toBeCloseTo((0.5 + 0.5 + 0 + 1) / 4, 12);
    expect(m.rmse).toBeCloseTo(Math.sqrt((0.25 + 0.25 + 0 + 1) / 4), 12);
    // mean y = 2.875; SS_tot = 0.015625 + 11.390625 + 0.765625 + 17.015625 = 29.1875; SS_res = 1.5
    expect(m.r2).toBeCloseTo(1 - 1.5 / 29.1875, 12);
    // mape = mean(0.5/3, 0.5/0.5, 0/2, 1/7)
    expect(m.mape).toBeCloseTo((0.5 / 3 + 1 + 0 + 1 / 7) / 4, 12);
  });

  it('leaves rows with label 0 out of mape only', () => {
    const m = regressionMetrics(f([0, 10]), f([5, 12]));
    expect(m.mape).toBeCloseTo(0.2, 12);
    expect(m.mae).toBeCloseTo(3.5, 12);
    expect(Number.isNaN(regressionMetrics(f([0, 0]), f([1, 2])).mape)).toBe(true);
  });

  it('gives r2 = 1 for a perfect fit and 0 otherwise when every label is equal', () => {
    expect(regressionMetrics(f([4, 4]), f([4, 4])).r2).toBe(1);
    expect(regressionMetrics(f([4, 4]), f([4, 5])).r2).toBe(0);
    expect(regressionMetrics(f([1, 2, 3]), f([2, 2, 2])).r2).toBeCloseTo(0, 12);
  });
});
