/**
 * Scores a finished cell from its predictions (in the staging store) and the held-out labels (in the
 * cache store, which no task token reaches), the same way on every backend.
 */
import { readParquet, score, type Column } from '@mxn/data';
import { isNotFound, joinKey, readBytes, readJson, type Store } from '@mxn/storage';
import { cachePaths, stagingPaths, type EvaluationSpec } from '@mxn/core';

export interface CellScore {
  metrics: Record<string, number>;
  modelMetrics?: Record<string, unknown>;
  /** Set when the outputs could not be scored (missing or malformed predictions). */
  error?: string;
}

export function createScorer(staging: Store, cache: Store, evaluation: EvaluationSpec, metrics: string[]) {
  const labels = new Map<string, Promise<Column>>();
  const labelsOf = (inputKey: string) => {
    let column = labels.get(inputKey);
    if (!column) {
      column = readBytes(cache, joinKey(cachePaths.labels(inputKey), 'labels.parquet'))
        .then((bytes) => readParquet(new Uint8Array(bytes)))
        .then((table) => table.columns[evaluation.target]!);
      labels.set(inputKey, column);
    }
    return column;
  };

  return async function scoreCell(cell: { key: string; inputKey: string }): Promise<CellScore> {
    const output = stagingPaths.cellOutput(cell.key);
    const modelMetrics = await readJson<Record<string, unknown>>(staging, joinKey(output, 'metrics.json')).catch(() => undefined);
    try {
      const predictions = await readParquet(new Uint8Array(await readBytes(staging, joinKey(output, 'predictions.parquet'))));
      const values = score({ task: evaluation.task, metrics, labels: await labelsOf(cell.inputKey), predictions });
      return { metrics: values, modelMetrics };
    } catch (error) {
      const message = isNotFound(error)
        ? 'the model wrote no predictions.parquet to MXN_OUTPUT_DIR'
        : `cannot score predictions: ${(error as Error).message}`;
      return { metrics: {}, modelMetrics, error: message };
    }
  };
}
