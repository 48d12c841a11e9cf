/**
 * The demo's housing experiment for the storage round-trip tests (data in one cloud's store, staging in the other's):
 * ridge and knn on seoul, busan and daegu, with the ensemble aggregate.
 */
import type { ExperimentResults } from '@mxn/core';
import { expect } from 'vitest';
import { cliOutput, type CliResult, type E2eProject } from './project.js';

/**
 * The experiment `name` with each region's training file at `datasets(region)`, `compute` as its compute mapping
 * and `extra` (whole lines, e.g. `outputs: …\n`) at the end.
 */
const housingExperiment = (
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

/**
 * The round trip's first half: writes the experiment as `local` (the project's data files) and as `cloud` (each
 * region's file at `cloud.datasets(region)`, with its `compute` and `extra`), runs both, the cloud one with `cloud.env`,
 * and checks both exit 0, the cloud run with no error in its stderr and the same cells, statuses and metrics as the
 * local run. The cloud run and both results, for the test's own checks.
 */
export async function runLocalAndCloud(
  project: E2eProject,
  cloud: { datasets: (region: string) => string; compute: string; extra: string; env: NodeJS.ProcessEnv },
): Promise<{ cloud: CliResult; localResults: ExperimentResults; cloudResults: ExperimentResults }> {
  await project.experiment(
    'local',
    housingExperiment('local', (region) => `data/housing/${region}.parquet`),
  );
  await project.experiment('cloud', housingExperiment('cloud', cloud.datasets, { compute: cloud.compute, extra: cloud.extra }));
  const local = await project.mxn(['run', 'experiments/local.yaml']);
  expect(local.code, cliOutput(local)).toBe(0);
  const run = await project.mxn(['run', 'experiments/cloud.yaml'], { env: cloud.env });
  expect(run.stderr, cliOutput(run)).not.toMatch(/error/i);
  expect(run.code, cliOutput(run)).toBe(0);
  const [localResults, cloudResults] = [await project.results('local'), await project.results('cloud')];
  expect(cloudResults.cells.map((cell) => [cell.id, cell.status, cell.metrics])).toEqual(
    localResults.cells.map((cell) => [cell.id, cell.status, cell.metrics]),
  );
  return { cloud: run, localResults, cloudResults };
}
