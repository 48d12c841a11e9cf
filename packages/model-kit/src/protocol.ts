/**
 * The task protocol (the root README, "What a model sees"): what every model image and the aggregate step
 * see. It lives in this small package, which a model image installs; @mxn/core re-exports it.
 */

/** The environment variables every task gets. */
export const TASK_ENV = {
  inputDir: 'MXN_INPUT_DIR',
  outputDir: 'MXN_OUTPUT_DIR',
  params: 'MXN_PARAMS',
  target: 'MXN_TARGET',
  cellId: 'MXN_CELL_ID',
  model: 'MXN_MODEL',
  dataset: 'MXN_DATASET',
  task: 'MXN_TASK',
} as const;

/** How a cell ended, as the aggregate step's manifest records it. */
export type ManifestCellStatus = 'succeeded' | 'failed' | 'cancelled' | 'cached';

/**
 * The aggregate step's `manifest.json`: every cell and how it ended. Where the manifest is written
 * before the cells run (cloud fan-in), a cell is `pending` and `<dir>/exit_code` holds its outcome;
 * `readAggregateInputs()` resolves those, so a reader sees only final statuses.
 */
export interface AggregateManifest<Status extends string = ManifestCellStatus | 'pending'> {
  version: 1;
  experiment: string;
  runId: string;
  target: string;
  cells: Array<{
    id: string;
    model: string;
    dataset: string;
    status: Status;
    /** Folder of the cell's outputs, relative to the aggregate's MXN_INPUT_DIR. */
    dir: string;
  }>;
}
