import { MxnError, type ExitClass } from '@mxn/errors';

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

/**
 * `input` when the task's environment or inputs are wrong (a model run by hand, a broken protocol);
 * `failure` when the model's own features, predictions or outputs are.
 */
const MODEL_KIT_EXIT_CLASSES: Readonly<Record<ModelKitErrorCode, ExitClass>> = {
  MissingEnv: 'input',
  InvalidEnv: 'input',
  InvalidInput: 'input',
  InvalidPredictions: 'failure',
  InvalidFeatures: 'failure',
  OutputError: 'failure',
};

/**
 * The one error model-kit throws: `code` to branch on, a `model-kit:`-prefixed message, the
 * original error as `cause`, a `hint` where a fix is known.
 */
export class ModelKitError extends MxnError {
  override readonly name = 'ModelKitError';
  declare readonly code: ModelKitErrorCode;
  constructor(code: ModelKitErrorCode, message: string, options: { cause?: unknown; hint?: string | undefined } = {}) {
    super(code, `model-kit: ${message}`, { ...options, exitClass: MODEL_KIT_EXIT_CLASSES[code] });
  }
}
