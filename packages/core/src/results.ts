/**
 * The results contract: `results/<experiment>/results.json`. Versioned; readers check `version`.
 */
export const RESULTS_VERSION = 1;

export type CellStatus = 'succeeded' | 'failed' | 'cached' | 'cancelled';

export interface CellResult {
  /** Readable stable id, e.g. `ridge[alpha=0.1]@seoul`. */
  id: string;
  /** Model name (without variant). */
  model: string;
  /** Variant name: the model name, plus the grid parameters that vary, e.g. `ridge[alpha=0.1]`. */
  variant: string;
  /** Every parameter this variant passes to the model (MXN_PARAMS; a float like `1.0` is written `1` here, see `fixed`). */
  params: Record<string, unknown>;
  /** The variant's fixed (non-grid) params as written (`{ max_features: "1.0" }`), shown next to the variant in reports. */
  fixed?: Record<string, string>;
  /** The model's `env:` settings the cell ran with (part of its key). */
  env?: Record<string, string>;
  dataset: string;
  /** Content key: changes whenever anything that can change the result changes. */
  key: string;
  status: CellStatus;
  /** True when the result was reused from the cache (status `cached`, or `failed` for a cached failure). */
  fromCache?: boolean;
  attempts: number;
  startedAt?: string;
  finishedAt?: string;
  durationMs: number;
  /** Headline metrics computed by the harness from predictions and held-out labels. */
  metrics: Record<string, number>;
  /** The model's own `metrics.json`, when it wrote one. */
  modelMetrics?: Record<string, unknown>;
  /** Where the cell's outputs are (predictions, logs, artifacts). */
  output: string;
  exitCode?: number;
  error?: string;
  /** A failure of the platform, not the model (see `TaskOutcome.infrastructure`): the next run retries the cell. */
  infrastructure?: boolean;
}

export interface ExperimentResults {
  version: typeof RESULTS_VERSION;
  experiment: string;
  description?: string;
  runId: string;
  backend: string;
  /**
   * How the cells ran: in their model's image (`container`) or as host processes (`process`).
   * Absent in results written before runtimes existed.
   */
  runtime?: 'container' | 'process';
  startedAt: string;
  finishedAt: string;
  evaluation: {
    target: string;
    task: 'regression' | 'classification';
    metrics: string[];
  };
  /** Model variants in experiment order (rows of the m × n tables). */
  variants: string[];
  /** Datasets in experiment order (columns). */
  datasets: string[];
  /**
   * How each dataset's held-out rows were chosen (`split`: e.g. `random: 20% test, seed 42`, or its own
   * test file) and how many rows went to each side when it was staged. Absent in earlier results.
   */
  splits?: Record<string, DatasetSplit>;
  cells: CellResult[];
  aggregate?: {
    status: 'succeeded' | 'failed' | 'cancelled';
    attempts: number;
    durationMs: number;
    output: string;
    error?: string;
  };
  /** Counts by status. */
  totals: Record<CellStatus, number>;
}

/** One dataset's split in the results: how it was made and, once staged, the rows on each side. */
export interface DatasetSplit {
  split: string;
  train?: number;
  test?: number;
}

/** Metrics where lower is better; every other metric is higher-is-better. */
export const LOWER_IS_BETTER = new Set(['rmse', 'mae', 'mape', 'logloss', 'mse']);

export function isLowerBetter(metric: string): boolean {
  return LOWER_IS_BETTER.has(metric);
}
