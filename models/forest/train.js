// Random forest regression (ml-random-forest): bagged CART trees on numeric features and categories
// as ranks ordered by their mean target (one column each, cheaper than one-hot for trees). ml-cart's
// split search costs O(rows²) per feature and node, so each fit draws a seeded random subsample of
// `maxSamples` training rows (the forest then bootstraps from it per tree).
// Params: trees (default 20), maxDepth (default 10), minSamples per leaf (default 5),
// maxFeatures (share of features per tree, default 0.7), maxSamples (default 900), seed (default 42).
import { RandomForestRegression } from 'ml-random-forest';
import { features, numberParam, runTask, scoreRegression, targetValues, writeModelMetrics, writePredictions } from '@mxn/model-kit';

await runTask(async ({ train, test, target, params }) => {
  const trees = numberParam(params, 'trees', 20, { min: 1, integer: true });
  const maxDepth = numberParam(params, 'maxDepth', 10, { min: 1, integer: true });
  const minSamples = numberParam(params, 'minSamples', 5, { min: 1, integer: true });
  const maxFeatures = numberParam(params, 'maxFeatures', 0.7, { min: 0.05, max: 1 });
  const maxSamples = numberParam(params, 'maxSamples', 900, { min: 10, integer: true });
  const seed = numberParam(params, 'seed', 42, { integer: true });
  const started = performance.now();

  const encoder = features(train, { target, categorical: 'ordinal', standardize: false });
  const xAll = encoder.transform(train);
  const yAll = targetValues(train, target);
  const order = shuffledIndices(train.numRows, seed).slice(0, Math.min(maxSamples, train.numRows));
  const x = order.map((i) => xAll[i]);
  const y = order.map((i) => yAll[i]);

  const forest = new RandomForestRegression({
    nEstimators: trees,
    // a float in (0, 1) is a share of the features; 1 must be given as the whole count
    maxFeatures: maxFeatures >= 1 ? encoder.names.length : maxFeatures,
    seed,
    noOOB: true,
    treeOptions: { maxDepth, minNumSamples: minSamples },
  });
  forest.train(x, y);
  const fitSeconds = (performance.now() - started) / 1000;

  const predictions = forest.predict(encoder.transform(test));
  await writePredictions(predictions, { expectedRows: test.numRows });
  const fitScores = scoreRegression(yAll, forest.predict(xAll));
  await writeModelMetrics({
    trees,
    max_depth: maxDepth,
    features: encoder.names.length,
    train_rows: train.numRows,
    sampled_rows: x.length,
    train_rmse: fitScores.rmse,
    train_r2: fitScores.r2,
    fit_seconds: fitSeconds,
  });
  console.log(`forest trees=${trees} maxDepth=${maxDepth}: fit on ${x.length} of ${train.numRows} rows in ${fitSeconds.toFixed(2)} s`);
});

/** 0..n-1 in a seeded random order (Fisher–Yates with mulberry32). */
function shuffledIndices(n, seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
