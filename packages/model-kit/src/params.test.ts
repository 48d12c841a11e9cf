import { describe, expect, it } from 'vitest';
import { numberParam } from './params.js';
import { scoreRegression } from './scores.js';

describe('numberParam', () => {
  it('returns the value, a numeric string as a number, or the fallback when absent', () => {
    expect(numberParam({ alpha: 0.1 }, 'alpha', 1)).toBe(0.1);
    expect(numberParam({ alpha: '10' }, 'alpha', 1)).toBe(10);
    expect(numberParam({}, 'alpha', 1)).toBe(1);
  });

  it('names the parameter when it is not a number, not whole, or out of range', () => {
    expect(() => numberParam({ k: 'many' }, 'k', 5)).toThrow('parameter "k" must be a number, got "many"');
    expect(() => numberParam({ k: 2.5 }, 'k', 5, { integer: true })).toThrow('parameter "k" must be a whole number');
    expect(() => numberParam({ k: 0 }, 'k', 5, { min: 1 })).toThrow('parameter "k" must be at least 1');
    expect(() => numberParam({ share: 2 }, 'share', 0.5, { max: 1 })).toThrow('at most 1');
  });
});

describe('scoreRegression', () => {
  it('computes rmse, mae and r2, with r2 0 for predicting the mean', () => {
    const scores = scoreRegression([1, 2, 3, 4], [1, 2, 3, 6]);
    expect(scores.rmse).toBeCloseTo(1, 12);
    expect(scores.mae).toBeCloseTo(0.5, 12);
    expect(scores.r2).toBeCloseTo(1 - 4 / 5, 12);
    expect(scoreRegression([1, 3], [2, 2]).r2).toBe(0);
  });
});
