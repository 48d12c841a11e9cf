import { regressionMetrics } from '@mxn/data';

export interface RegressionScores {
  rmse: number;
  mae: number;
  /** 1 − SSres/SStot (scikit-learn's convention when the actual values are constant). */
  r2: number;
}

/**
 * rmse, mae and r2 of `predicted` against `actual`: for a model's own `metrics.json` (e.g. train
 * fit), computed by the same code as the harness's headline metrics.
 */
export function scoreRegression(actual: ArrayLike<number>, predicted: ArrayLike<number>): RegressionScores {
  const n = actual.length;
  if (n === 0 || predicted.length !== n)
    throw new RangeError(`model-kit: cannot score ${predicted.length} predictions against ${n} values`);
  const { rmse, mae, r2 } = regressionMetrics(Float64Array.from(actual), Float64Array.from(predicted));
  return { rmse, mae, r2 };
}
