/**
 * The experiment file, as zod schemas: the single source of truth for validation,
 * TypeScript types and the editors' JSON Schema (`schemas/experiment.schema.json`).
 */
import { z } from 'zod';
import { MxnError } from '../errors.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const name = (what: string) =>
  z
    .string()
    .regex(NAME, `${what} names use letters, digits, "-", "_" and "." (at most 64, starting with a letter or digit)`)
    .describe(`Name of the ${what}; used in cell ids, paths and reports.`);

const command = z
  .array(z.string().min(1))
  .min(1, 'command needs at least the program to run, e.g. [node, train.js]')
  .describe('Program and arguments, run in the image working directory (locally: the build folder).');

const imageSource = {
  build: z.string().min(1).optional().describe('Build context folder (with a Dockerfile), relative to the project root.'),
  image: z
    .string()
    .regex(/^[A-Za-z0-9][^\s]*$/, 'an image reference starts with a letter or digit and has no spaces, e.g. ghcr.io/team/model:1.2')
    .optional()
    .describe('Prebuilt container image reference, instead of `build`.'),
};

export const datasetSchema = z
  .strictObject({
    name: name('dataset'),
    train: z
      .string()
      .min(1)
      .describe('Training data: a parquet file, a folder or prefix of parquet files, a glob, or an s3:// / az:// URI.'),
    test: z.string().min(1).optional().describe('Optional held-out parquet file(s); otherwise evaluation.split makes one.'),
  })
  .describe('A named parquet source.');

export const modelSchema = z
  .strictObject({
    name: name('model'),
    ...imageSource,
    command,
    params: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Parameters passed as MXN_PARAMS. A list makes a grid: every combination is a variant.'),
  })
  .describe('A model: a container image and the command that trains it.');

export const aggregateSchema = z
  .strictObject({
    ...imageSource,
    command,
    params: z.record(z.string(), z.unknown()).optional().describe('Parameters passed as MXN_PARAMS.'),
  })
  .describe('Optional fan-in step: runs once after every cell has finished, failed ones too.');

export const TASKS = ['regression', 'classification'] as const;

export const evaluationSchema = z
  .strictObject({
    target: z.string().min(1).describe('Column the models predict; held out from the test inputs.'),
    task: z.enum(TASKS).default('regression').describe('regression or classification.'),
    metrics: z
      .array(z.string())
      .min(1)
      .optional()
      .describe('Metrics the harness computes (regression: rmse, mae, r2, mape; classification: accuracy, f1, logloss). The first is the main one.'),
    split: z
      .strictObject({
        test: z.number().gt(0).lt(1).default(0.2).describe('Fraction of rows held out for testing.'),
        seed: z.number().int().default(42).describe('Seed of the deterministic split.'),
      })
      .default({ test: 0.2, seed: 42 })
      .describe('How the held-out split is made when a dataset has no `test` file.'),
  })
  .describe('How every cell is scored.');

export const BACKENDS = ['local', 'azure-batch', 'aws-batch'] as const;

/** How the local backend starts a cell: in its model's image through a container engine, or as a host process. */
export const RUNTIMES = ['container', 'process'] as const;

export const computeSchema = z
  .strictObject({
    backend: z.enum(BACKENDS).default('local').describe('Where cells run: local (default), azure-batch or aws-batch.'),
    concurrency: z.number().int().min(1).optional().describe('Cells running at once. Default: the number of cores (local) or maxNodes × taskSlotsPerNode.'),
    retries: z.number().int().min(0).max(10).default(1).describe('Extra attempts after a failed one.'),
    timeout: z.string().default('30m').describe('Wall-clock limit of one attempt, e.g. 90s, 30m, 2h.'),
    staging: z.string().optional().describe('Store URI for inputs and outputs (default: .mxn under the project root).'),
    cache: z.string().optional().describe('Store URI of the cell cache (default: the staging store).'),
    maxNodes: z.number().int().min(1).optional().describe('Cloud backends: most nodes the pool scales to.'),
    vmSize: z.string().optional().describe('Cloud backends: VM size of pool nodes.'),
    pool: z.string().optional().describe('Azure Batch: name of the pool to create or reuse.'),
    spot: z.boolean().optional().describe('Cloud backends: use spot / low-priority nodes.'),
    taskSlotsPerNode: z.number().int().min(1).optional().describe('Cloud backends: cells per node.'),
    runtime: z
      .enum(RUNTIMES)
      .optional()
      .describe(
        'Local backend: run each cell in its model\'s image through Docker or Podman (container), or as a process on this machine for trusted code (process). Default: container when an engine answers, else process.',
      ),
    network: z.boolean().optional().describe('Container runtime: give cells network access. Default false: cells run with no network.'),
    workingDirectory: z
      .enum(['image', 'task'])
      .optional()
      .describe("Containers: run in the image's WORKDIR (image, default) or the backend's task folder (task)."),
  })
  .default({ backend: 'local', retries: 1, timeout: '30m' })
  .describe('Where and how cells run.');

export const experimentSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: name('experiment'),
    description: z.string().optional().describe('What this experiment compares.'),
    datasets: z.array(datasetSchema).min(1, 'list at least one dataset'),
    models: z.array(modelSchema).min(1, 'list at least one model'),
    evaluation: evaluationSchema,
    aggregate: aggregateSchema.optional(),
    outputs: z.string().optional().describe('Store URI where final results and every cell\'s outputs are copied after a run, e.g. s3://bucket/results/name.'),
    compute: computeSchema,
  })
  .describe('An mxn experiment: every model on every dataset.');

export type ExperimentInput = z.input<typeof experimentSchema>;
export type ExperimentSpec = z.output<typeof experimentSchema>;
export type DatasetSpec = z.output<typeof datasetSchema>;
export type ModelSpec = z.output<typeof modelSchema>;
export type AggregateSpec = z.output<typeof aggregateSchema>;
export type EvaluationSpec = z.output<typeof evaluationSchema>;
export type ComputeSpec = z.output<typeof computeSchema>;
export type Runtime = (typeof RUNTIMES)[number];

/** A runtime named outside the experiment file (`--runtime`, `MXN_RUNTIME`): undefined when empty, a usage error when it is no runtime. */
export function parseRuntime(value: string | undefined, source: string): Runtime | undefined {
  const name = value?.trim();
  if (!name) return undefined;
  if ((RUNTIMES as readonly string[]).includes(name)) return name as Runtime;
  throw new MxnError('Usage', `${source} expects "container" or "process", got "${name}"`, { hint: 'container runs cells in their images; process runs them on this machine, for trusted code' });
}
