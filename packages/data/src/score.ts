import { DataError } from './errors.js';
import { accuracy, classKey, f1, logLoss } from './metrics-classification.js';
import { regressionMetrics } from './metrics-regression.js';
import type { RegressionMetric } from './metrics-regression.js';
import { listNames } from './table-ops.js';
import type { Column, Table } from './table.js';

export type Task = 'regression' | 'classification';

/** The metric names each task knows, for validating experiment files. */
export const KNOWN_METRICS: Record<Task, string[]> = {
  regression: ['rmse', 'mae', 'r2', 'mape'],
  classification: ['accuracy', 'f1', 'logloss'],
};

/** The column of the predictions table that holds one prediction per test row. */
export const PREDICTION_COLUMN = 'prediction';
/** Prefix of the optional class-probability columns: `proba_<class>`. */
export const PROBA_PREFIX = 'proba_';

export interface ScoreInput {
  task: Task;
  /** Metric names, each one of `KNOWN_METRICS[task]`. */
  metrics: string[];
  /** Held-out labels, one per test row. Rows whose label is null/NaN are left out of every metric. */
  labels: Column;
  /** The model's predictions: column `prediction`, and for classification optionally `proba_<class>`. */
  predictions: Table;
}

/**
 * Scores a model's predictions against the held-out labels, the same way for every model.
 * Returns the requested metrics by name. `logloss` is left out when the predictions carry no
 * `proba_<class>` columns.
 */
export function score(input: ScoreInput): Record<string, number> {
  const { task, metrics, labels, predictions } = input;
  const known = KNOWN_METRICS[task];
  if (known === undefined) throw new DataError('UnknownMetric', `unknown task "${String(task)}" (expected regression or classification)`);
  const unknown = metrics.filter((m) => !known.includes(m));
  if (unknown.length > 0) {
    throw new DataError('UnknownMetric', `unknown ${task} metric ${listNames(unknown)} (known: ${known.join(', ')})`);
  }
  const pred = predictions.columns[PREDICTION_COLUMN];
  if (pred === undefined) {
    throw new DataError(
      'PredictionMissing',
      `predictions have no "${PREDICTION_COLUMN}" column (columns: ${listNames(predictions.names)})`,
      { hint: `write predictions.parquet with a "${PREDICTION_COLUMN}" column, one row per test row (model-kit's writePredictions does)` },
    );
  }
  if (predictions.numRows !== labels.length || pred.length !== labels.length) {
    throw new DataError('RowCountMismatch', `predictions have ${pred.length} rows, expected ${labels.length} (one per test row, in order)`);
  }
  const rows = labelledRows(labels);
  if (rows.length === 0) throw new DataError('InvalidTable', 'no held-out row has a label to score against');
  return task === 'regression'
    ? scoreRegression(metrics, labels, pred, rows)
    : scoreClassification(metrics, labels, predictions, pred, rows);
}

function scoreRegression(metrics: string[], labels: Column, pred: Column, rows: Uint32Array): Record<string, number> {
  const y = new Float64Array(rows.length);
  const p = new Float64Array(rows.length);
  const badPrediction: number[] = [];
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k] as number;
    const yi = asNumber(labels[i]);
    if (Number.isNaN(yi))
      throw new DataError('InvalidTable', `regression labels must be numbers; row ${i} has ${JSON.stringify(labels[i])}`);
    y[k] = yi;
    const pi = asNumber(pred[i]);
    if (!Number.isFinite(pi)) badPrediction.push(i);
    p[k] = pi;
  }
  failOnBadPredictions(badPrediction, rows.length, 'null, NaN or not a number');
  const all = regressionMetrics(y, p);
  const out: Record<string, number> = {};
  for (const m of metrics) out[m] = all[m as RegressionMetric];
  return out;
}

function scoreClassification(
  metrics: string[],
  labels: Column,
  predictions: Table,
  pred: Column,
  rows: Uint32Array,
): Record<string, number> {
  const y: string[] = new Array<string>(rows.length);
  const p: string[] = new Array<string>(rows.length);
  const badPrediction: number[] = [];
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k] as number;
    y[k] = classKey(labels[i] as string | number);
    const pi = pred[i];
    if (pi === null || pi === undefined || (typeof pi === 'number' && Number.isNaN(pi))) badPrediction.push(i);
    else p[k] = classKey(pi);
  }
  failOnBadPredictions(badPrediction, rows.length, 'null or NaN');
  const out: Record<string, number> = {};
  for (const m of metrics) {
    if (m === 'accuracy') out[m] = accuracy(y, p);
    else if (m === 'f1') out[m] = f1(y, p);
    else if (m === 'logloss') {
      const proba = probaOfTrueClass(predictions, y, rows);
      if (proba !== undefined) out[m] = logLoss(proba);
    }
  }
  return out;
}

/** For each scored row, the probability given to its true class; undefined when there are no proba columns. */
function probaOfTrueClass(predictions: Table, y: readonly string[], rows: Uint32Array): Float64Array | undefined {
  const byClass = new Map<string, Float64Array>();
  for (const name of predictions.names) {
    if (!name.startsWith(PROBA_PREFIX)) continue;
    const col = predictions.columns[name] as Column;
    if (!(col instanceof Float64Array)) {
      throw new DataError('InvalidPrediction', `probability column "${name}" must be numeric`);
    }
    byClass.set(classKey(name.slice(PROBA_PREFIX.length)), col);
  }
  if (byClass.size === 0) return undefined;
  const classes = new Set([...y, ...byClass.keys()]);
  const missing = [...classes].filter((c) => !byClass.has(c));
  // a binary problem may give only one class's probability: the other is its complement
  const complement = classes.size === 2 && missing.length === 1 ? [...byClass.values()][0] : undefined;
  if (missing.length > 0 && complement === undefined) {
    throw new DataError(
      'ProbabilityMissing',
      `no probability column for class ${listNames(missing)} (expected ${listNames(missing.map((c) => PROBA_PREFIX + c))})`,
    );
  }
  const out = new Float64Array(y.length);
  for (let k = 0; k < y.length; k++) {
    const i = rows[k] as number;
    const col = byClass.get(y[k] as string);
    const q = col !== undefined ? (col[i] as number) : 1 - ((complement as Float64Array)[i] as number);
    if (Number.isNaN(q)) throw new DataError('InvalidPrediction', `probability for row ${i} is null or NaN`);
    out[k] = q;
  }
  return out;
}

/** Indices of rows whose label is present (not null, not NaN). */
function labelledRows(labels: Column): Uint32Array {
  const keep = new Uint32Array(labels.length);
  let n = 0;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
    keep[n++] = i;
  }
  return keep.subarray(0, n);
}

function asNumber(v: string | number | null | undefined): number {
  if (typeof v === 'number') return v;
  if (v === null || v === undefined || v.trim() === '') return NaN;
  return Number(v);
}

function failOnBadPredictions(rows: number[], total: number, what: string): void {
  if (rows.length === 0) return;
  throw new DataError('InvalidPrediction', `${rows.length} of ${total} predictions are ${what} (first at row ${rows[0]})`);
}
