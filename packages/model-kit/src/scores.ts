export interface RegressionScores {
  rmse: number;
  mae: number;
  /** 1 − SSres/SStot; 0 when the actual values are constant. */
  r2: number;
}

/**
 * rmse, mae and r2 of `predicted` against `actual`: for a model's own `metrics.json` (e.g. train
 * fit). The headline metrics are computed by the harness, not by models.
 */
export function scoreRegression(actual: ArrayLike<number>, predicted: ArrayLike<number>): RegressionScores {
  const n = actual.length;
  if (n === 0 || predicted.length !== n) throw new RangeError(`model-kit: cannot score ${predicted.length} predictions against ${n} values`);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += actual[i] as number;
  const mean = sum / n;
  let squares = 0;
  let absolute = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const a = actual[i] as number;
    const e = a - (predicted[i] as number);
    squares += e * e;
    absolute += Math.abs(e);
    total += (a - mean) ** 2;
  }
  return { rmse: Math.sqrt(squares / n), mae: absolute / n, r2: total === 0 ? 0 : 1 - squares / total };
}
