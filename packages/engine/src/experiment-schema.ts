/**
 * The experiment schema of every backend mxn can run: core's common schema with each backend's
 * settings merged into its alternative of `compute` (chosen by `compute.backend`). The settings
 * schemas come from the backends' `/settings` subpaths, which import zod only: loading this module
 * never loads a cloud SDK or a container engine. `schemas/experiment.schema.json` is written from
 * here (`npm run schema`).
 */
import {
  experimentSchemaFor,
  jsonSchemaOf,
  jsonSchemaTextOf,
  loadExperiment as loadWith,
  type ComputeSpec,
  type LoadedExperiment,
  type LoadOptions,
} from '@mxn/core';
import { MxnError } from '@mxn/errors';
import { awsBatchSettingsSchema } from '@mxn/backend-aws-batch/settings';
import { azureBatchSettingsSchema } from '@mxn/backend-azure-batch/settings';
import { localSettingsSchema } from '@mxn/backend-local/settings';
import type { z } from 'zod';

/** Each backend's settings schema, by the name `compute.backend` gives it. */
export const backendSettingsSchemas = {
  local: localSettingsSchema,
  'azure-batch': azureBatchSettingsSchema,
  'aws-batch': awsBatchSettingsSchema,
} as const;

export type BackendWithSettings = keyof typeof backendSettingsSchemas;
export type BackendSettings<B extends BackendWithSettings> = z.output<(typeof backendSettingsSchemas)[B]>;

/** Experiment files as mxn runs them: the common keys, and the settings of the backend `compute.backend` names. */
export const experimentSchema = experimentSchemaFor(backendSettingsSchemas);

/** `loadExperiment` of @mxn/core with this schema: every backend's settings are accepted and checked. */
export function loadExperiment(file: string, options: Omit<LoadOptions, 'schema'> = {}): Promise<LoadedExperiment> {
  return loadWith(file, { ...options, schema: experimentSchema });
}

/** JSON Schema of experiment files, for editors: `schemas/experiment.schema.json`. */
export function experimentJsonSchema(): Record<string, unknown> {
  return jsonSchemaOf(experimentSchema);
}

export function experimentJsonSchemaText(): string {
  return jsonSchemaTextOf(experimentSchema);
}

/**
 * The settings of `backend` in an experiment's `compute` block, typed and validated by the backend's
 * own schema. They apply only to the backend the file names: for another one (`--backend` overrides
 * `compute.backend`) this is that backend's defaults (`{}`), as its keys are not in the file.
 */
export function backendSettings<B extends BackendWithSettings>(backend: B, compute: ComputeSpec | undefined): BackendSettings<B> {
  const schema = backendSettingsSchemas[backend];
  const given = compute?.backend === backend ? (compute as Record<string, unknown>) : {};
  const picked = Object.fromEntries(
    Object.keys(schema.shape)
      .filter((key) => given[key] !== undefined)
      .map((key) => [key, given[key]]),
  );
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const problem = parsed.error.issues[0]!;
    throw new MxnError('Usage', `compute.${problem.path.join('.')}: ${problem.message}`, {
      hint: `check the ${backend} settings of the experiment`,
    });
  }
  return parsed.data as BackendSettings<B>;
}
