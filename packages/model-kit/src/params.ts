import { ModelKitError } from './errors.js';

export interface NumberParamOptions {
  /** Smallest allowed value (inclusive). Default: none. */
  min?: number;
  /** Largest allowed value (inclusive). Default: none. */
  max?: number;
  /** Whether the value must be a whole number. Default `false`. */
  integer?: boolean;
}

/**
 * A numeric parameter from `MXN_PARAMS`, or `fallback` when absent; throws `InvalidEnv` naming the
 * parameter when it is not a number (numeric strings are accepted) or out of range.
 */
export function numberParam(params: Record<string, unknown>, name: string, fallback: number, options: NumberParamOptions = {}): number {
  const raw = params[name];
  if (raw === undefined || raw === null) return fallback;
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ModelKitError('InvalidEnv', `parameter "${name}" must be a number, got ${JSON.stringify(raw)}`);
  }
  if (options.integer === true && !Number.isInteger(value)) {
    throw new ModelKitError('InvalidEnv', `parameter "${name}" must be a whole number, got ${value}`);
  }
  if (options.min !== undefined && value < options.min)
    throw new ModelKitError('InvalidEnv', `parameter "${name}" must be at least ${options.min}, got ${value}`);
  if (options.max !== undefined && value > options.max)
    throw new ModelKitError('InvalidEnv', `parameter "${name}" must be at most ${options.max}, got ${value}`);
  return value;
}
