/**
 * The demo's housing experiment for the storage round-trip tests (data in one cloud's store, staging in the other's):
 * ridge and knn on seoul, busan and daegu, with the ensemble aggregate.
 */

/**
 * The experiment `name` with each region's training file at `datasets(region)`, `compute` as its compute mapping
 * and `extra` (whole lines, e.g. `outputs: …\n`) at the end.
 */
export const housingExperiment = (
  name: string,
  datasets: (region: string) => string,
  options: { compute?: string; extra?: string } = {},
) => `name: ${name}
datasets:
${['seoul', 'busan', 'daegu'].map((region) => `  - { name: ${region}, train: ${datasets(region)} }`).join('\n')}
models:
  - { name: ridge, build: models/ridge, command: [node, train.js], params: { alpha: 1 } }
  - { name: knn, build: models/knn, command: [node, train.js], params: { k: 10 } }
evaluation: { target: price, metrics: [rmse, mae, r2, mape] }
aggregate: { build: models/ensemble, command: [node, aggregate.js] }
compute: ${options.compute ?? '{ concurrency: 2, retries: 0 }'}
${options.extra ?? ''}`;
