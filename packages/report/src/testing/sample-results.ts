/**
 * A small, realistic ExperimentResults built in code: 3 variants × 3 datasets, one failed cell and
 * one cached cell. For tests and examples of the report renderers (and of anything that posts them).
 */
import { RESULTS_VERSION, type CellResult, type CellStatus, type ExperimentResults } from '@mxn/core';

export interface SampleOptions {
  /** Row names. Default: `ridge[alpha=0.1]`, `ridge[alpha=1]`, `knn[k=5]`. */
  variants?: string[];
  /** Column names. Default: `seoul`, `busan`, `jeju`. */
  datasets?: string[];
  /** Metric value of each cell. Default: a deterministic spread that differs per variant and dataset. */
  value?: (metric: string, variantIndex: number, datasetIndex: number) => number;
  /** Status of each cell. Default: the last variant fails on the last dataset, the second variant is cached on the second dataset. */
  status?: (variantIndex: number, datasetIndex: number) => CellStatus;
  /** Error text of failed cells. */
  error?: string;
  runId?: string;
}

export function defaultSampleValue(metric: string, variantIndex: number, datasetIndex: number): number {
  const spread = 1 + ((variantIndex * 7 + datasetIndex * 3) % 5) / 10;
  if (metric === 'r2') return 0.9 - ((variantIndex * 5 + datasetIndex * 2) % 4) / 20;
  return 10_000 * (datasetIndex + 1) * spread * (metric === 'mae' ? 0.8 : 1);
}

function defaultSampleStatus(variantIndex: number, datasetIndex: number): CellStatus {
  if (variantIndex === 2 && datasetIndex === 2) return 'failed';
  if (variantIndex === 1 && datasetIndex === 1) return 'cached';
  return 'succeeded';
}

export function sampleResults(options: SampleOptions = {}): ExperimentResults {
  const variants = options.variants ?? ['ridge[alpha=0.1]', 'ridge[alpha=1]', 'knn[k=5]'];
  const datasets = options.datasets ?? ['seoul', 'busan', 'jeju'];
  const metrics = ['rmse', 'mae', 'r2'];
  const value = options.value ?? defaultSampleValue;
  const statusOf = options.status ?? defaultSampleStatus;
  const cells: CellResult[] = [];
  variants.forEach((variant, v) => {
    datasets.forEach((dataset, d) => {
      const status = statusOf(v, d);
      const id = `${variant}@${dataset}`;
      const cell: CellResult = {
        id,
        model: variant.replace(/\[.*$/, ''),
        variant,
        params: {},
        dataset,
        key: `key-${v}-${d}`,
        status,
        attempts: status === 'failed' ? 2 : 1,
        durationMs: 1000 + v * 400 + d * 150,
        metrics: {},
        output: `file:///tmp/runs/${id}`,
      };
      if (status === 'succeeded' || status === 'cached') {
        for (const metric of metrics) cell.metrics[metric] = value(metric, v, d);
      }
      if (status === 'cached') cell.fromCache = true;
      if (status === 'failed') {
        cell.exitCode = 1;
        cell.error = options.error ?? 'Traceback (most recent call last):\n  ValueError: k must be <= n_samples';
      }
      cells.push(cell);
    });
  });
  const totals: Record<CellStatus, number> = { succeeded: 0, failed: 0, cached: 0, cancelled: 0 };
  for (const cell of cells) totals[cell.status] += 1;
  return {
    version: RESULTS_VERSION,
    experiment: 'housing-demo',
    description: 'Baseline regressors on each region',
    runId: options.runId ?? 'run-2024-01-01-abc123',
    backend: 'local',
    startedAt: '2024-01-01T10:00:00.000Z',
    finishedAt: '2024-01-01T10:02:05.000Z',
    evaluation: { target: 'price', task: 'regression', metrics },
    variants,
    datasets,
    cells,
    totals,
  };
}
