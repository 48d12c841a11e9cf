import { ModelKitError } from './errors.js';
import { TASK_ENV } from './protocol.js';

export { TASK_ENV } from './protocol.js';

export type Env = Record<string, string | undefined>;

/** The value of a required variable; throws `MissingEnv` naming it when it is unset or empty. */
export function requireEnv(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ModelKitError('MissingEnv', `environment variable ${name} is not set (the mxn task protocol sets it for every task)`);
  }
  return value;
}

/** `MXN_PARAMS` parsed as a JSON object; unset or empty means `{}`. */
export function readParams(env: Env): Record<string, unknown> {
  const raw = env[TASK_ENV.params];
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ModelKitError('InvalidEnv', `${TASK_ENV.params} is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ModelKitError(
      'InvalidEnv',
      `${TASK_ENV.params} must be a JSON object, ` +
        `got ${Array.isArray(parsed) ? 'an array' : String(parsed === null ? 'null' : typeof parsed)}`,
    );
  }
  return parsed as Record<string, unknown>;
}

/** The output folder: `options.outputDir`, else `MXN_OUTPUT_DIR`. */
export function resolveOutputDir(outputDir: string | undefined, env: Env): string {
  return outputDir ?? requireEnv(env, TASK_ENV.outputDir);
}
