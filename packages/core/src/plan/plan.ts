/**
 * The plan: models × parameter variants × datasets → cells, each with a readable stable id
 * and a content key, and whether the cache already holds its result.
 */
import path from 'node:path';
import { cellKey, inputKey, runIdOf } from '../addresses.js';
import { describeColumnTypes, describeSplit, isCsvName } from '@mxn/data';
import { MxnError } from '@mxn/errors';
import type { ExperimentIssue } from '../errors.js';
import type { LoadedExperiment } from '../load/load-experiment.js';
import { resolveInProject } from '../load/project-path.js';
import type { CellResult } from '../results.js';
import type { AggregateSpec, ModelSpec, Runtime } from '../schema/experiment.js';
import { hashBuildContext } from './build-context.js';
import { plannedSides } from './split-sides.js';
import { fingerprintSource } from './fingerprint.js';
import { unsafeIdReason } from './ids.js';
import { DEFAULT_MAX_CELLS, expandVariants, variantCount } from './variants.js';

export interface PlannedCell {
  /** `<variant>@<dataset>`, e.g. `ridge[alpha=0.1]@seoul`. */
  id: string;
  model: string;
  variant: string;
  params: Record<string, unknown>;
  /** The variant's fixed (non-grid) params as written, for reports. */
  fixed?: Record<string, string>;
  /** The model's `env:` for its task (plain values as strings); part of the key. */
  env?: Record<string, string>;
  dataset: string;
  key: string;
  /** Key of the dataset's staged split (shared by every cell on that dataset). */
  inputKey: string;
  command: string[];
  /** Absolute build folder, for models built from a folder. */
  buildDir?: string;
  /** Prebuilt image reference, or `undefined` until an image is built for `buildDir`. */
  image?: string;
  /** Content hash of the build folder (the image tag of built models). */
  contextHash?: string;
  /** Content digest of the prebuilt image, when the backend could resolve it (part of the key instead of the tag). */
  imageDigest?: string;
  /** The stored result for this key, when there is one. */
  cached?: CellResult;
  /** Whether this run will execute the cell. */
  willRun: boolean;
  /** Why the cell's dataset cannot be used (too few rows for the split): a run fails the cell without running it. */
  datasetProblem?: string;
}

export interface PlannedAggregate {
  command: string[];
  buildDir?: string;
  image?: string;
  contextHash?: string;
  imageDigest?: string;
  params: Record<string, unknown>;
}

export interface Plan {
  experiment: string;
  /** How the cells run; part of every key. */
  runtime: Runtime;
  /** Deterministic from the experiment and the keys of the cells in this plan. */
  runId: string;
  variants: string[];
  datasets: string[];
  cells: PlannedCell[];
  aggregate?: PlannedAggregate;
  /**
   * How each planned dataset's held-out rows are chosen (`describeSplit`, or its own test file), its
   * rows (from the files' footers) and the rows each side will get (see `PlannedSplit`).
   */
  splits?: Record<string, PlannedSplit>;
  /** The column types inferred from each CSV dataset (`describeColumnTypes`), by dataset name. */
  csvColumns?: Record<string, string>;
  /** Problems of datasets' data alone (see `LoadedExperiment.datasetProblems`): their cells fail, the rest run. */
  datasetProblems?: ExperimentIssue[];
}

export interface PlannedSplit {
  split: string;
  /** Rows of the training files. */
  rows: number;
  /**
   * The rows each side gets: a random split's from the row count, an ordered split's from the footers'
   * row-group statistics or its `by` column, a group or stratified split's from that one column; those
   * three only when the plan was asked to count them (`PlanOptions.countSides`).
   */
  train?: number;
  test?: number;
  /**
   * Why the sides could not be counted: the split would leave a side empty, a `by` column has nulls
   * (staging fails the dataset), or, with `transient`, the data could not be read now (a store error).
   */
  problem?: string;
  transient?: true;
}

export type Rerun = 'none' | 'failed' | 'all';

/** `--only model=ridge,dataset=seoul`: every given field must match; a model filter matches the model or variant name. */
export interface CellFilter {
  model?: string;
  dataset?: string;
}

export interface PlanOptions {
  /** Stored results by key (from the cache). */
  lookup?: (keys: string[]) => Promise<Map<string, CellResult>>;
  rerun?: Rerun;
  /** Keep only cells matching at least one filter. */
  only?: CellFilter[];
  /** How the cells will run (part of every key). Default `container`, as on every cloud backend. */
  runtime?: Runtime;
  /** Content digest of a prebuilt image reference (`Backend.resolveImage`); when it fails the reference itself is keyed. */
  resolveImage?: (ref: string) => Promise<string>;
  /**
   * Count the rows each side of an ordered, group or stratified split gets, reading the one column (or
   * the footers) each needs: for plans people read (`mxn plan`, the pull request's plan comment), not
   * for runs, whose staging counts them. A random split's sides are always given (from the row count).
   */
  countSides?: boolean;
}

export async function planExperiment(loaded: LoadedExperiment, options: PlanOptions = {}): Promise<Plan> {
  const { spec, root } = loaded;
  checkGridSize(loaded);
  const evaluation = {
    target: spec.evaluation.target,
    task: spec.evaluation.task,
    metrics: metricsOf(loaded),
    split: spec.evaluation.split,
  };
  const datasets = await Promise.all(
    loaded.datasets.map(async (dataset) => {
      const train = await fingerprintSource(dataset.train);
      const test = dataset.test ? await fingerprintSource(dataset.test) : undefined;
      return { name: dataset.name, inputKey: inputKey({ train, test, target: evaluation.target, split: evaluation.split }) };
    }),
  );
  const resolve = imageResolver(options.resolveImage);
  const models = await Promise.all(spec.models.map(async (model) => ({ model, source: await imageSource(model, root, resolve) })));
  const runtime = options.runtime ?? 'container';
  const problems = new Map((loaded.datasetProblems ?? []).map((item) => [item.dataset ?? '', `dataset ${item.dataset}: ${item.message}`]));

  const cells: PlannedCell[] = [];
  const variants: string[] = [];
  for (const { model, source } of models) {
    const env = Object.fromEntries(Object.entries(model.env ?? {}).map(([name, value]) => [name, String(value)]));
    for (const variant of expandVariants(model.name, model.params)) {
      variants.push(variant.name);
      for (const dataset of datasets) {
        const key = cellKey({
          inputKey: dataset.inputKey,
          image: source.imageDigest ?? source.image ?? `context:${source.contextHash}`,
          runtime,
          command: model.command,
          params: variant.params,
          evaluation,
          env,
        });
        const id = `${variant.name}@${dataset.name}`;
        const unsafe = unsafeIdReason(id);
        if (unsafe) throw new MxnError('Usage', `${spec.name}: cell id ${JSON.stringify(id)} ${unsafe}`);
        cells.push({
          id,
          model: model.name,
          variant: variant.name,
          params: variant.params,
          fixed: variant.fixed,
          env,
          dataset: dataset.name,
          key,
          inputKey: dataset.inputKey,
          command: model.command,
          ...source,
          willRun: true,
          ...(problems.has(dataset.name) ? { datasetProblem: problems.get(dataset.name) } : {}),
        });
      }
    }
  }

  const filters = options.only ?? [];
  const selected = filters.length ? cells.filter((cell) => filters.some((filter) => matches(cell, filter))) : cells;
  if (selected.length === 0 && options.only?.length) {
    const models = [...new Set(cells.map((cell) => cell.model))].join(', ');
    const datasets = datasetsNames(cells).join(', ');
    throw new MxnError('Usage', `--only ${options.only.map(formatFilter).join(' --only ')} matches no cell of ${spec.name}`, {
      hint: `models: ${models}; datasets: ${datasets}`,
    });
  }
  const stored = options.lookup ? await options.lookup(selected.map((cell) => cell.key)) : new Map<string, CellResult>();
  const rerun = options.rerun ?? 'none';
  for (const cell of selected) {
    cell.cached = stored.get(cell.key);
    // A failure of the platform (not the model) is no result: the cell runs again without --rerun.
    const retry = cell.cached?.status === 'failed' && (rerun === 'failed' || cell.cached.infrastructure === true);
    cell.willRun = !cell.cached || rerun === 'all' || retry;
  }

  const aggregate = spec.aggregate ? await planAggregate(spec.aggregate, root, resolve) : undefined;
  const runId = runIdOf(spec.name, { cellKeys: selected.map((cell) => cell.key), aggregate, runtime });
  // Sets, not a search of the cells per name: a plan of 100k cells stays linear.
  const selectedVariants = new Set(selected.map((cell) => cell.variant));
  const selectedDatasets = new Set(selected.map((cell) => cell.dataset));
  return {
    experiment: spec.name,
    runtime,
    runId,
    variants: variants.filter((variant) => selectedVariants.has(variant)),
    datasets: datasets.map((dataset) => dataset.name).filter((name) => selectedDatasets.has(name)),
    cells: selected,
    aggregate,
    ...(await datasetNotes(loaded, selectedDatasets, options.countSides === true)),
  };
}

/**
 * What the plan says of each selected dataset: its split and the rows each side gets (see `plannedSides`),
 * a CSV's inferred column types, and its problems.
 */
async function datasetNotes(
  loaded: LoadedExperiment,
  selected: Set<string>,
  countSides: boolean,
): Promise<Pick<Plan, 'splits' | 'csvColumns' | 'datasetProblems'>> {
  const splits: Record<string, PlannedSplit> = {};
  const csvColumns: Record<string, string> = {};
  const { split, target } = loaded.spec.evaluation;
  const datasetProblems = (loaded.datasetProblems ?? []).filter((item) => item.dataset !== undefined && selected.has(item.dataset));
  const failing = new Set(datasetProblems.map((item) => item.dataset));
  const datasets = loaded.datasets.filter((item) => selected.has(item.name));
  // A dataset whose cells will fail anyway (its problem is listed) is not read.
  const sides = await Promise.all(
    datasets.map((dataset) => (dataset.test || failing.has(dataset.name) ? undefined : plannedSides(dataset, split, target, countSides))),
  );
  datasets.forEach((dataset, at) => {
    const counted = sides[at];
    splits[dataset.name] = dataset.test
      ? { split: 'its own test file', rows: dataset.rows }
      : { split: describeSplit(split), rows: dataset.rows, ...(counted ?? {}) };
    if (dataset.train.files.some((file) => isCsvName(file.key))) csvColumns[dataset.name] = describeColumnTypes(dataset.columns);
  });
  return { splits, csvColumns, datasetProblems };
}

/**
 * Refuses a grid above `compute.maxCells` before expanding it (`loadExperiment` reports it with its
 * line; this guards plans of experiments loaded otherwise).
 */
function checkGridSize(loaded: LoadedExperiment): void {
  const { spec } = loaded;
  const limit = spec.compute.maxCells ?? DEFAULT_MAX_CELLS;
  const cells = spec.models.reduce((sum, model) => sum + variantCount(model.params), 0) * spec.datasets.length;
  if (cells > limit)
    throw new MxnError('Usage', `${spec.name} makes ${cells} cells, more than compute.maxCells (${limit})`, {
      hint: 'shorten the params lists, or raise compute.maxCells',
    });
}

export function metricsOf(loaded: LoadedExperiment): string[] {
  const { evaluation } = loaded.spec;
  return evaluation.metrics ?? (evaluation.task === 'regression' ? ['rmse', 'mae', 'r2', 'mape'] : ['accuracy', 'f1', 'logloss']);
}

type ImageResolver = (ref: string) => Promise<string | undefined>;

/** Resolves each prebuilt reference once; a reference that cannot be resolved is keyed as written (its cells then fail when they start). */
function imageResolver(resolveImage: PlanOptions['resolveImage']): ImageResolver {
  const memo = new Map<string, Promise<string | undefined>>();
  return (ref) => {
    if (!resolveImage) return Promise.resolve(undefined);
    let digest = memo.get(ref);
    if (!digest) {
      digest = resolveImage(ref).catch(() => undefined);
      memo.set(ref, digest);
    }
    return digest;
  };
}

interface ImageSource {
  image?: string;
  imageDigest?: string;
  buildDir?: string;
  contextHash?: string;
}

async function imageSource(item: Pick<ModelSpec, 'build' | 'image'>, root: string, resolve: ImageResolver): Promise<ImageSource> {
  if (item.image) {
    const imageDigest = await resolve(item.image);
    return { image: item.image, ...(imageDigest ? { imageDigest } : {}) };
  }
  const inside = resolveInProject(item.build!, root);
  if (inside.problem) throw new MxnError('Usage', `build: ${inside.problem}`);
  const buildDir = path.resolve(root, item.build!);
  return { buildDir, contextHash: await hashBuildContext(buildDir) };
}

async function planAggregate(aggregate: AggregateSpec, root: string, resolve: ImageResolver): Promise<PlannedAggregate> {
  return { command: aggregate.command, params: aggregate.params ?? {}, ...(await imageSource(aggregate, root, resolve)) };
}

function datasetsNames(cells: PlannedCell[]): string[] {
  return [...new Set(cells.map((cell) => cell.dataset))];
}

function formatFilter(filter: CellFilter): string {
  return [filter.model && `model=${filter.model}`, filter.dataset && `dataset=${filter.dataset}`].filter(Boolean).join(',');
}

function matches(cell: PlannedCell, filter: CellFilter): boolean {
  return (
    (!filter.model || filter.model === cell.model || filter.model === cell.variant) && (!filter.dataset || filter.dataset === cell.dataset)
  );
}

/** Parses `model=ridge,dataset=seoul`. */
export function parseCellFilter(text: string): CellFilter {
  const filter: CellFilter = {};
  for (const part of text.split(/,(?=\s*(?:model|dataset)=)/)) {
    const at = part.indexOf('=');
    const field = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if ((field !== 'model' && field !== 'dataset') || !value) {
      throw new MxnError('Usage', `--only expects model=NAME and/or dataset=NAME, got "${part}"`, {
        hint: 'e.g. --only model=ridge,dataset=seoul',
      });
    }
    filter[field] = value;
  }
  return filter;
}
