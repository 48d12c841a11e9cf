/** Regression metrics over paired labels and predictions (same length, no NaN). */
export interface RegressionMetrics {
  rmse: number;
  mae: number;
  r2: number;
  /** Mean of |y − ŷ| / |y| over rows with y ≠ 0, as a fraction (0.1 = 10 %); NaN when every y is 0. */
  mape: number;
}

export type RegressionMetric = keyof RegressionMetrics;

/**
 * Computes every regression metric in one pass over the rows.
 * r2 follows scikit-learn when all labels are equal: 1 for a perfect fit, else 0.
 */
export function regressionMetrics(y: Float64Array, p: Float64Array): RegressionMetrics {
  const n = y.length;
  let sumY = 0;
  for (let i = 0; i < n; i++) sumY += y[i] as number;
  const meanY = sumY / n;
  let se = 0;
  let ae = 0;
  let ssTot = 0;
  let ape = 0;
  let apeRows = 0;
  for (let i = 0; i < n; i++) {
    const yi = y[i] as number;
    const err = yi - (p[i] as number);
    se += err * err;
    ae += Math.abs(err);
    ssTot += (yi - meanY) * (yi - meanY);
    if (yi !== 0) {
      ape += Math.abs(err) / Math.abs(yi);
      apeRows++;
    }
  }
  const r2 = ssTot === 0 ? (se === 0 ? 1 : 0) : 1 - se / ssTot;
  return {
    rmse: Math.sqrt(se / n),
    mae: ae / n,
    r2,
    mape: apeRows === 0 ? NaN : ape / apeRows,
  };
}
