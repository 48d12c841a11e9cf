// k-nearest-neighbour regression: standardised numeric features and one-hot categories; each test
// row's prediction is the (optionally distance-weighted) mean target of its k nearest training rows
// by Euclidean distance. An exact brute-force search: at a few thousand rows and ~20 features it is
// faster than a kd-tree, which loses its edge in this many dimensions.
// Params: k (default 10), weights ('uniform' | 'distance', default 'uniform').
import { features, numberParam, runTask, scoreRegression, targetValues, writeModelMetrics, writePredictions } from '@mxn/model-kit';

await runTask(async ({ train, test, target, params }) => {
  const k = numberParam(params, 'k', 10, { min: 1, integer: true });
  const weights = params.weights ?? 'uniform';
  if (weights !== 'uniform' && weights !== 'distance') {
    throw new Error(`parameter "weights" must be "uniform" or "distance", got ${JSON.stringify(weights)}`);
  }
  const started = performance.now();
  const encoder = features(train, { target, categorical: 'onehot' });
  const width = encoder.names.length;
  const points = flatten(encoder.transform(train), width);
  const y = targetValues(train, target);
  const neighbours = Math.min(k, train.numRows);
  const predict = (rows, skipSelf) => predictAll(points, y, flatten(rows, width), width, neighbours, weights, skipSelf);

  const predictions = predict(encoder.transform(test), false);
  const predictSeconds = (performance.now() - started) / 1000;
  await writePredictions(predictions, { expectedRows: test.numRows });
  // leave-one-out on a sample of train rows: a fair in-sample error for a memorising model
  const sample = Math.min(train.numRows, 1000);
  const looRows = encoder.transform(train).slice(0, sample);
  const loo = scoreRegression(y.subarray(0, sample), predict(looRows, true));
  await writeModelMetrics({
    k: neighbours,
    weights,
    features: width,
    train_rows: train.numRows,
    loo_rmse: loo.rmse,
    loo_r2: loo.r2,
    predict_seconds: predictSeconds,
  });
  console.log(`knn k=${neighbours} (${weights}): ${test.numRows} predictions from ${train.numRows} rows in ${predictSeconds.toFixed(2)} s`);
});

function flatten(rows, width) {
  const out = new Float64Array(rows.length * width);
  rows.forEach((row, i) => {
    out.set(row, i * width);
  });
  return out;
}

/** For each query row, the mean target of its k nearest points (skipSelf: query i is point i, left out). */
function predictAll(points, y, queries, width, k, weights, skipSelf) {
  const n = y.length;
  const m = queries.length / width;
  const out = new Float64Array(m);
  const bestDist = new Float64Array(k);
  const bestIndex = new Int32Array(k);
  for (let q = 0; q < m; q++) {
    const qo = q * width;
    let filled = 0;
    for (let i = 0; i < n; i++) {
      if (skipSelf && i === q) continue;
      const po = i * width;
      let d = 0;
      for (let j = 0; j < width; j++) {
        const diff = points[po + j] - queries[qo + j];
        d += diff * diff;
      }
      if (filled < k) {
        insert(bestDist, bestIndex, filled, d, i);
        filled++;
      } else if (d < bestDist[k - 1]) {
        insert(bestDist, bestIndex, k - 1, d, i);
      }
    }
    let sum = 0;
    let weightSum = 0;
    for (let r = 0; r < filled; r++) {
      const w = weights === 'distance' ? 1 / (Math.sqrt(bestDist[r]) + 1e-9) : 1;
      sum += w * y[bestIndex[r]];
      weightSum += w;
    }
    out[q] = sum / weightSum;
  }
  return out;
}

/** Puts (d, i) into the sorted arrays, overwriting slot `last` and shifting larger entries up. */
function insert(dist, index, last, d, i) {
  let at = last;
  while (at > 0 && dist[at - 1] > d) {
    dist[at] = dist[at - 1];
    index[at] = index[at - 1];
    at--;
  }
  dist[at] = d;
  index[at] = i;
}
