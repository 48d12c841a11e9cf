// Ridge regression: closed-form L2-regularised least squares (ml-matrix) on standardised numeric
// features and one-hot categories. Params: alpha (default 1), logTarget (default true: fit log(target),
// predict exp with Duan's smearing correction; used only when every target value is positive),
// logFeatures (default true: numeric columns that are never negative in train also enter as log1p,
// so the linear model can follow diminishing returns).
import { Matrix, solve } from 'ml-matrix';
import { features, numberParam, runTask, scoreRegression, targetValues, writeModelMetrics, writePredictions } from '@mxn/model-kit';

await runTask(async ({ train, test, target, params }) => {
  const alpha = numberParam(params, 'alpha', 1, { min: 0 });
  const started = performance.now();

  const expand = params.logFeatures === false ? (table) => table : logExpansion(train, target);
  const encoder = features(expand(train), { target, categorical: 'onehot' });
  const xTrain = encoder.transform(expand(train));
  const y = targetValues(train, target);
  const logTarget = params.logTarget !== false && y.every((v) => v > 0);
  const z = logTarget ? y.map(Math.log) : y;

  const fit = fitRidge(xTrain, z, alpha);
  const fitted = fit.predict(xTrain);
  // Duan's smearing: exp(mean log) underestimates the mean; scale by the mean of exp(residuals).
  const smear = logTarget ? mean(fitted.map((f, i) => Math.exp(z[i] - f))) : 1;
  const back = (values) => (logTarget ? values.map((v) => Math.exp(v) * smear) : values);
  const fitSeconds = (performance.now() - started) / 1000;

  const predictions = back(fit.predict(encoder.transform(expand(test))));
  await writePredictions(predictions, { expectedRows: test.numRows });
  const fitScores = scoreRegression(y, back(fitted));
  await writeModelMetrics({
    alpha,
    log_target: logTarget,
    features: encoder.names.length,
    train_rows: train.numRows,
    train_rmse: fitScores.rmse,
    train_r2: fitScores.r2,
    fit_seconds: fitSeconds,
  });
  console.log(`ridge alpha=${alpha}: ${train.numRows} train rows, ${encoder.names.length} features, fit in ${fitSeconds.toFixed(2)} s`);
});

/** Solves (XcᵀXc + αI) w = Xcᵀ(z − z̄) on centred columns, so the intercept is not penalised. */
function fitRidge(rows, z, alpha) {
  const X = new Matrix(rows);
  const means = X.mean('column');
  const Xc = X.clone().subRowVector(means);
  const zMean = mean(z);
  const zc = Matrix.columnVector(Array.from(z, (v) => v - zMean));
  const XtX = Xc.transpose().mmul(Xc).add(Matrix.eye(X.columns).mul(alpha));
  const w = solve(XtX, Xc.transpose().mmul(zc), alpha === 0).getColumn(0);
  const intercept = zMean - means.reduce((s, m, j) => s + m * w[j], 0);
  return {
    predict: (data) => Float64Array.from(data, (row) => row.reduce((s, v, j) => s + v * w[j], intercept)),
  };
}

/** A function adding `log1p_<name>` for every numeric column (not the target) that is never negative in `train`. */
function logExpansion(train, target) {
  const logged = train.names.filter((name) => {
    const col = train.columns[name];
    return name !== target && col instanceof Float64Array && col.every((v) => v >= 0);
  });
  return (table) => {
    const names = [...table.names];
    const columns = { ...table.columns };
    for (const name of logged) {
      const col = table.columns[name];
      if (!(col instanceof Float64Array)) continue;
      names.push(`log1p_${name}`);
      columns[`log1p_${name}`] = col.map((v) => (v >= 0 ? Math.log1p(v) : NaN));
    }
    return { names, columns, numRows: table.numRows };
  };
}

function mean(values) {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}
