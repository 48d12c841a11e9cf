import { describe, expect, it } from 'vitest';
import { KNOWN_METRICS, score } from './score.js';
import type { Table } from './table.js';

const preds = (columns: Table['columns']): Table => {
  const names = Object.keys(columns);
  return { names, columns, numRows: columns[names[0]!]!.length };
};

describe('score: regression', () => {
  it('returns the requested metrics in order', () => {
    const out = score({
      task: 'regression',
      metrics: ['mae', 'rmse'],
      labels: Float64Array.from([1, 2, 3]),
      predictions: preds({ prediction: Float64Array.from([1, 2, 5]) }),
    });
    expect(Object.keys(out)).toEqual(['mae', 'rmse']);
    expect(out.mae).toBeCloseTo(2 / 3, 12);
    expect(out.rmse).toBeCloseTo(Math.sqrt(4 / 3), 12);
  });

  it('skips rows whose label is missing', () => {
    const out = score({
      task: 'regression',
      metrics: ['mae'],
      labels: Float64Array.from([1, NaN, 3]),
      predictions: preds({ prediction: Float64Array.from([2, 100, 3]) }),
    });
    expect(out.mae).toBeCloseTo(0.5, 12);
  });

  it('names the expected and actual row counts on a mismatch', () => {
    expect(() =>
      score({ task: 'regression', metrics: ['mae'], labels: new Float64Array(5), predictions: preds({ prediction: new Float64Array(4) }) }),
    ).toThrow(expect.objectContaining({ code: 'RowCountMismatch', message: expect.stringMatching(/4 rows, expected 5/) }));
  });

  it('requires the prediction column and non-null predictions', () => {
    expect(() =>
      score({ task: 'regression', metrics: ['mae'], labels: new Float64Array(2), predictions: preds({ yhat: new Float64Array(2) }) }),
    ).toThrow(expect.objectContaining({ code: 'PredictionMissing', message: expect.stringContaining('"yhat"') }));
    expect(() =>
      score({
        task: 'regression',
        metrics: ['mae'],
        labels: new Float64Array(3),
        predictions: preds({ prediction: Float64Array.from([1, NaN, NaN]) }),
      }),
    ).toThrow(expect.objectContaining({ code: 'InvalidPrediction', message: expect.stringMatching(/2 of 3 .* row 1/) }));
  });

  it('rejects metrics of the other task or unknown ones', () => {
    expect(() =>
      score({
        task: 'regression',
        metrics: ['accuracy'],
        labels: new Float64Array(1),
        predictions: preds({ prediction: new Float64Array(1) }),
      }),
    ).toThrow(expect.objectContaining({ code: 'UnknownMetric', message: expect.stringContaining('known: rmse, mae, r2, mape') }));
    expect(KNOWN_METRICS.classification).toContain('logloss');
  });
});

describe('score: classification', () => {
  it('matches numeric labels against string or boolean-like predictions', () => {
    const out = score({
      task: 'classification',
      metrics: ['accuracy', 'f1'],
      labels: Float64Array.from([1, 0, 1, 1]),
      predictions: preds({ prediction: ['true', 'false', 'false', '1'] }),
    });
    expect(out.accuracy).toBe(0.75);
    // positive 1: tp 2, fp 0, fn 1 → 4/5
    expect(out.f1).toBeCloseTo(0.8, 12);
  });

  it('computes logloss from proba_<class> columns and leaves it out without them', () => {
    const labels = ['cat', 'dog', 'bird'];
    const withProba = score({
      task: 'classification',
      metrics: ['logloss', 'accuracy'],
      labels,
      predictions: preds({
        prediction: ['cat', 'cat', 'bird'],
        proba_cat: Float64Array.from([0.7, 0.5, 0.1]),
        proba_dog: Float64Array.from([0.2, 0.4, 0.1]),
        proba_bird: Float64Array.from([0.1, 0.1, 0.8]),
      }),
    });
    expect(withProba.logloss).toBeCloseTo(-(Math.log(0.7) + Math.log(0.4) + Math.log(0.8)) / 3, 12);
    const without = score({ task: 'classification', metrics: ['logloss', 'accuracy'], labels, predictions: preds({ prediction: labels }) });
    expect(without).toEqual({ accuracy: 1 });
  });

  it('derives the other class of a binary problem from a single proba column', () => {
    const out = score({
      task: 'classification',
      metrics: ['logloss'],
      labels: Float64Array.from([1, 0]),
      predictions: preds({ prediction: Float64Array.from([1, 0]), proba_1: Float64Array.from([0.8, 0.3]) }),
    });
    expect(out.logloss).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 12);
  });

  it('names classes that lack a probability column', () => {
    expect(() =>
      score({
        task: 'classification',
        metrics: ['logloss'],
        labels: ['a', 'b', 'c'],
        predictions: preds({ prediction: ['a', 'b', 'c'], proba_a: Float64Array.from([1, 0, 0]) }),
      }),
    ).toThrow(expect.objectContaining({ code: 'ProbabilityMissing', message: expect.stringContaining('"proba_b", "proba_c"') }));
  });

  it('rejects null predictions', () => {
    expect(() =>
      score({ task: 'classification', metrics: ['accuracy'], labels: ['a', 'b'], predictions: preds({ prediction: ['a', null] }) }),
    ).toThrow(expect.objectContaining({ code: 'InvalidPrediction' }));
  });
});
