// A deliberately unreliable model for tests: exits 1 with a clear message when MXN_DATASET equals
// the param `failOn` (a name or a list of names); otherwise predicts the train mean for every row.
import { runTask, targetValues, writeModelMetrics, writePredictions } from '@mxn/model-kit';

await runTask(async ({ train, test, target, params, dataset }) => {
  const failOn = [params.failOn ?? []].flat();
  if (failOn.includes(dataset)) {
    throw new Error(`broken: failing on purpose for dataset "${dataset}" (param failOn=${JSON.stringify(params.failOn)})`);
  }
  const y = targetValues(train, target);
  let sum = 0;
  for (const v of y) sum += v;
  const mean = sum / y.length;
  await writePredictions(new Float64Array(test.numRows).fill(mean), { expectedRows: test.numRows });
  await writeModelMetrics({ train_mean: mean, train_rows: train.numRows });
});
