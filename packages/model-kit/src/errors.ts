export type ModelKitErrorCode =
  /** A task-protocol environment variable is missing or malformed. */
  | 'MissingEnv'
  | 'InvalidEnv'
  /** An input file is missing, unreadable, or lacks the target column. */
  | 'InvalidInput'
  /** Predictions (or probabilities) that cannot be written: wrong length, not finite, mixed types. */
  | 'InvalidPredictions'
  /** A feature matrix cannot be built (unknown column, empty table). */
  | 'InvalidFeatures'
  /** Writing an output file failed. */
  | 'OutputError';

/** The one error model-kit throws: `code` to branch on, a `model-kit:`-prefixed message, the original error as `cause`. */
export class ModelKitError extends Error {
  override readonly name = 'ModelKitError';
  constructor(
    readonly code: ModelKitErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`model-kit: ${message}`, options);
  }
}
