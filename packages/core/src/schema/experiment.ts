/**
 * The experiment file, as zod schemas: the single source of truth for validation,
 * TypeScript types and the editors' JSON Schema (`schemas/experiment.schema.json`).
 */
import { z } from 'zod';
import { MxnError } from '@mxn/errors';

const NAME = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const name = (what: string) =>
  z
    .string()
    .regex(NAME, `${what} names use letters, digits, "-", "_" and "." (at most 64, starting with a letter or digit, no "..")`)
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
      .describe(
        'Parameters passed as MXN_PARAMS, numbers as written (1.0 stays a float). A list makes a grid: every combination ' +
          'is a variant; a list of one list ([[64, 32]]) is one fixed list value.',
      ),
    env: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe(
        'Environment variables for every cell of this model, e.g. OMP_NUM_THREADS: "1"; part of the cell key. ' +
          'Names that look like credentials (*_KEY, *_TOKEN, *_SECRET, *PASSWORD*, AWS_*, AZURE_*, GITHUB_*, ACTIONS_*) ' +
          'and MXN_* are refused.',
      ),
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

/**
 * `evaluation.split`: at random (`test`, `seed`), per class (`stratify`), by whole groups (`group`) or in
 * order (`by` + `test_from`, e.g. a time split). Written as before, `{ test, seed }` parses to the same
 * object, so the cell keys of existing experiments do not change.
 */
const splitSchema = z
  .strictObject({
    test: z.number().gt(0).lt(1).default(0.2).describe('Fraction of rows held out for testing (random, stratified and group splits).'),
    seed: z.number().int().default(42).describe('Seed of the deterministic split.'),
    stratify: z.boolean().optional().describe('Classification: hold out `test` of every class of the target.'),
    group: z.string().min(1).optional().describe('Column whose values (e.g. a building) never have rows on both sides.'),
    by: z.string().min(1).optional().describe('Ordered (time) split: rows whose `by` is at least `test_from` are the test side.'),
    test_from: z
      .union([z.string().min(1), z.number()])
      .optional()
      .describe('Ordered split: the first value of the test side (a date, timestamp, number or string, like the column).'),
  })
  .check((ctx) => {
    const split = ctx.value;
    const problem = (message: string, key: string) => ctx.issues.push({ code: 'custom', message, input: split, path: [key] });
    if (split.by !== undefined && split.test_from === undefined) problem('needs test_from, the first value of the test side', 'by');
    if (split.test_from !== undefined && split.by === undefined) problem('needs by, the column to compare it with', 'test_from');
    const kinds = [split.by !== undefined && 'by', split.group !== undefined && 'group', split.stratify === true && 'stratify'];
    const chosen = kinds.filter((kind): kind is string => typeof kind === 'string');
    if (chosen.length > 1) problem(`choose one of by, group and stratify (this split has ${chosen.join(' and ')})`, chosen[1]!);
  })
  .default({ test: 0.2, seed: 42 })
  .describe('How the held-out split is made when a dataset has no `test` file.');

export const evaluationSchema = z
  .strictObject({
    target: z.string().min(1).describe('Column the models predict; held out from the test inputs.'),
    task: z.enum(TASKS).default('regression').describe('regression or classification.'),
    metrics: z
      .array(z.string())
      .min(1)
      .optional()
      .describe(
        'Metrics the harness computes (regression: rmse, mae, r2, mape; classification: accuracy, f1, logloss). The first is the main one.',
      ),
    split: splitSchema,
  })
  .describe('How every cell is scored.');

/** The highest `compute.maxCells` a file may set: a plan holds every cell in memory. */
const MAX_CELLS_LIMIT = 1_000_000;

export const BACKENDS = ['local', 'azure-batch', 'aws-batch'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** How the local backend starts a cell: in its model's image through a container engine, or as a host process. */
export const RUNTIMES = ['container', 'process'] as const;

/** The `compute` keys every backend shares; each backend adds its own settings (see `experimentSchemaFor`). */
export const commonComputeShape = {
  concurrency: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('Cells running at once. Default: the number of cores (local) or maxNodes × taskSlotsPerNode.'),
  retries: z
    .number()
    .int()
    .min(0)
    .max(10)
    .default(1)
    .describe("Extra attempts after a timeout or a platform failure (and after a model's own failure with retryModelFailures)."),
  retryModelFailures: z
    .boolean()
    .optional()
    .describe("Spend retries on a model's own non-zero exit too. Default false: such a failure is deterministic as a rule."),
  timeout: z.string().default('30m').describe('Wall-clock limit of one attempt, e.g. 90s, 30m, 2h.'),
  staging: z
    .string()
    .optional()
    .describe("Store URI for inputs and outputs (default: MXN_STAGING, else the backend's, else .mxn under the project root)."),
  cache: z.string().optional().describe('Store URI of the cell cache (default: the staging store).'),
  maxCells: z
    .number()
    .int()
    .min(1)
    .max(MAX_CELLS_LIMIT)
    .optional()
    .describe(`Most cells (models × variants × datasets) a plan may make; default 10000, at most ${MAX_CELLS_LIMIT}.`),
};

const BACKEND_DESCRIPTION =
  'Where cells run: local (default), azure-batch or aws-batch. ' +
  'The other keys of `compute` are the ones every backend shares and the settings of this backend.';

/** One alternative of `compute`: `backend: <name>` (the default on `local`) and the common keys. */
function commonBranch<B extends BackendName>(backend: B) {
  return z.strictObject({ backend: z.literal(backend).describe(BACKEND_DESCRIPTION), ...commonComputeShape });
}
const localBranch = z.strictObject({ backend: z.literal('local').default('local').describe(BACKEND_DESCRIPTION), ...commonComputeShape });

const COMPUTE_DEFAULT = { backend: 'local', retries: 1, timeout: '30m' } as const;
const COMPUTE_DESCRIPTION = 'Where and how cells run: the keys every backend shares, and the settings of the backend `backend` names.';

/**
 * `compute` with the common keys only: the alternative of each backend (chosen by `backend`)
 * accepts no backend-specific key. `experimentSchemaFor` adds the backends' settings.
 */
export const computeSchema = z
  .discriminatedUnion('backend', [localBranch, commonBranch('azure-batch'), commonBranch('aws-batch')])
  .default(COMPUTE_DEFAULT)
  .describe(COMPUTE_DESCRIPTION);

const experimentShape = {
  $schema: z.string().optional(),
  name: name('experiment'),
  description: z.string().optional().describe('What this experiment compares.'),
  datasets: z.array(datasetSchema).min(1, 'list at least one dataset'),
  models: z.array(modelSchema).min(1, 'list at least one model'),
  evaluation: evaluationSchema,
  aggregate: aggregateSchema.optional(),
  outputs: z
    .string()
    .optional()
    .describe("Store URI where final results and every cell's outputs are copied after a run, e.g. s3://bucket/results/name."),
};
const EXPERIMENT_DESCRIPTION = 'An mxn experiment: every model on every dataset.';

/**
 * The experiment file with the common `compute` keys only: a backend-specific key (`maxNodes`,
 * `runtime`, …) is an unknown key here. `loadExperiment` uses it when given no schema; programs that
 * run backends load with `experimentSchemaFor(their backends' settings)` (@mxn/engine's `experimentSchema`).
 */
export const experimentSchema = z.strictObject({ ...experimentShape, compute: computeSchema }).describe(EXPERIMENT_DESCRIPTION);

/**
 * The settings schemas of the backends a program knows, by backend name: each a `z.strictObject`
 * of that backend's own `compute` keys, exported by the backend from a light subpath (e.g.
 * `@mxn/backend-azure-batch/settings`). A backend without an entry accepts the common keys only.
 */
export type BackendSettingsSchemas = Partial<Record<BackendName, z.ZodObject>>;

/** A schema of experiment files: parses to an `ExperimentSpec` (whose `compute` also holds the chosen backend's settings). */
export type ExperimentSchema = z.ZodType<ExperimentSpec>;

/**
 * The experiment schema with each backend's settings merged into its alternative of `compute`
 * (a union on `compute.backend`): a backend's keys are accepted, validated and described only
 * when `backend` names it. The settings schema's own checks (refinements) run on the merged object.
 */
export function experimentSchemaFor(settings: BackendSettingsSchemas): ExperimentSchema {
  const branch = (backend: BackendName): z.ZodObject => {
    const base = backend === 'local' ? localBranch : commonBranch(backend);
    const own = settings[backend];
    if (!own) return base;
    const clash = Object.keys(own.shape).filter((key) => key in base.shape);
    if (clash.length > 0) throw new Error(`the ${backend} settings redefine the common compute keys ${clash.join(', ')}`);
    const merged = base.extend(own.shape);
    const checks = own._zod.def.checks ?? [];
    // The settings schema's checks (e.g. two keys that exclude each other) see the merged object.
    return checks.length > 0 ? merged.check(...(checks as never[])) : merged;
  };
  const compute = z
    .discriminatedUnion('backend', [branch('local'), ...BACKENDS.filter((backend) => backend !== 'local').map(branch)] as [
      z.ZodObject,
      ...z.ZodObject[],
    ])
    .default(COMPUTE_DEFAULT)
    .describe(COMPUTE_DESCRIPTION);
  return z.strictObject({ ...experimentShape, compute }).describe(EXPERIMENT_DESCRIPTION) as unknown as ExperimentSchema;
}

export type ExperimentInput = z.input<typeof experimentSchema>;
export type ExperimentSpec = z.output<typeof experimentSchema>;
export type DatasetSpec = z.output<typeof datasetSchema>;
export type ModelSpec = z.output<typeof modelSchema>;
export type AggregateSpec = z.output<typeof aggregateSchema>;
export type EvaluationSpec = z.output<typeof evaluationSchema>;
/** `evaluation.split` as parsed: `test` and `seed` always set (see `splitSchema`). */
export type SplitConfig = z.output<typeof splitSchema>;
export type ComputeSpec = z.output<typeof computeSchema>;
export type Runtime = (typeof RUNTIMES)[number];

/** A runtime named outside the experiment file (`--runtime`, `MXN_RUNTIME`): undefined when empty, a usage error when it is no runtime. */
export function parseRuntime(value: string | undefined, source: string): Runtime | undefined {
  const name = value?.trim();
  if (!name) return undefined;
  if ((RUNTIMES as readonly string[]).includes(name)) return name as Runtime;
  throw new MxnError('Usage', `${source} expects "container" or "process", got "${name}"`, {
    hint: 'container runs cells in their images; process runs them on this machine, for trusted code',
  });
}
