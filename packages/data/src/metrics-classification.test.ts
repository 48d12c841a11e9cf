import { describe, expect, it } from 'vitest';
import { accuracy, classKey, f1, logLoss, positiveClass } from './metrics-classification.js';

describe('classification metrics', () => {
  it('accuracy counts exact matches', () => {
    expect(accuracy(['a', 'b', 'a', 'c'], ['a', 'b', 'c', 'c'])).toBe(0.75);
  });

  it('binary f1 scores the larger class as positive', () => {
    // positive "1": tp = 2, fp = 1, fn = 1 → 4 / 6
    const y = ['1', '1', '1', '0', '0'];
    const p = ['1', '1', '0', '1', '0'];
    expect(f1(y, p)).toBeCloseTo(4 / 6, 12);
    // same rows with the classes renamed so that the other one is larger: scores that class instead
    // positive "yes" (was "0"): tp = 1, fp = 1, fn = 1 → 2 / 4
    const rename = (v: string) => (v === '1' ? 'no' : 'yes');
    expect(f1(y.map(rename), p.map(rename))).toBeCloseTo(0.5, 12);
  });

  it('binary f1 is 0 when the positive class is never predicted nor present', () => {
    expect(f1(['0', '0'], ['0', '0'])).toBe(0);
  });

  it('multiclass f1 is the macro mean of per-class f1', () => {
    const y = ['a', 'a', 'b', 'b', 'c', 'c'];
    const p = ['a', 'b', 'b', 'b', 'c', 'a'];
    // a: tp1 fp1 fn1 → 0.5; b: tp2 fp1 fn0 → 0.8; c: tp1 fp0 fn1 → 2/3
    expect(f1(y, p)).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
  });

  it('positiveClass compares numbers numerically', () => {
    expect(positiveClass(['10', '9'])).toBe('10');
    expect(positiveClass(['no', 'yes'])).toBe('yes');
  });

  it('classKey makes labels written with different types comparable', () => {
    expect(classKey(1)).toBe(classKey('1.0'));
    expect(classKey('TRUE')).toBe(classKey(1));
    expect(classKey('false')).toBe(classKey(0));
    expect(classKey('cat')).toBe('cat');
  });

  it('logloss averages −log p(true class) with clipping', () => {
    expect(logLoss(Float64Array.from([0.9, 0.6]))).toBeCloseTo(-(Math.log(0.9) + Math.log(0.6)) / 2, 12);
    expect(logLoss(Float64Array.from([0]))).toBeCloseTo(-Math.log(1e-15), 9);
    expect(Number.isFinite(logLoss(Float64Array.from([1])))).toBe(true);
  });
});
