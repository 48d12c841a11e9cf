import { MxnError, type ExitClass } from '@mxn/errors';

/** What went wrong, for callers to branch on. */
export type DataErrorCode =
  /** Bytes or a file that are not a readable parquet file. */
  | 'InvalidParquet'
  /** A CSV file that cannot be parsed (unbalanced quotes, ragged rows, no header). */
  | 'InvalidCsv'
  /** A parquet file that could not be read from or written to disk. */
  | 'FileError'
  /** A table whose shape is inconsistent (column lengths, names). */
  | 'InvalidTable'
  /** A named column that the table does not have. */
  | 'ColumnMissing'
  /** Tables (or a train and a test table) whose columns do not line up. */
  | 'ColumnMismatch'
  /** The target column is missing from a dataset. */
  | 'TargetMissing'
  /** A split fraction or seed outside its range. */
  | 'InvalidSplit'
  /** A split that would leave the train or the test side empty. */
  | 'EmptySplit'
  /** A target column with no value at all on one side of the split. */
  | 'EmptyTarget'
  /** Predictions without the `prediction` column. */
  | 'PredictionMissing'
  /** Predictions whose row count differs from the held-out labels. */
  | 'RowCountMismatch'
  /** A prediction that is null/NaN, or of the wrong kind for the task. */
  | 'InvalidPrediction'
  /** Probability columns that do not cover every class. */
  | 'ProbabilityMissing'
  /** A metric name that the task does not know. */
  | 'UnknownMetric';

/**
 * Which codes the user can fix in what they gave (`input`: their datasets, columns, split,
 * metrics); the rest failed on the way (`failure`: a file, a table, a model's predictions).
 */
const DATA_EXIT_CLASSES: Readonly<Record<DataErrorCode, ExitClass>> = {
  InvalidParquet: 'input',
  InvalidCsv: 'input',
  FileError: 'failure',
  InvalidTable: 'failure',
  ColumnMissing: 'input',
  ColumnMismatch: 'input',
  TargetMissing: 'input',
  InvalidSplit: 'input',
  EmptySplit: 'input',
  EmptyTarget: 'input',
  PredictionMissing: 'failure',
  RowCountMismatch: 'failure',
  InvalidPrediction: 'failure',
  ProbabilityMissing: 'failure',
  UnknownMetric: 'input',
};

/** An error raised by `@mxn/data`. `message` is one readable line prefixed with `data:`. */
export class DataError extends MxnError {
  override readonly name = 'DataError';
  declare readonly code: DataErrorCode;
  constructor(code: DataErrorCode, message: string, options: { cause?: unknown; hint?: string | undefined } = {}) {
    super(code, `data: ${message}`, { ...options, exitClass: DATA_EXIT_CLASSES[code] });
  }
}
