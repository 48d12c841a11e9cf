/**
 * One run of an experiment: plan → stage → backend → score → results files.
 * The CLI and the GitHub actions call this; everything else is a part it composes.
 */
import { availableParallelism } from 'node:os';
import {
  aggregateKey,
  cachePaths,
  metricsOf,
  paramsJson,
  parseDuration,
  planExperiment,
  RESULTS_VERSION,
  stagingPaths,
  type Backend,
  type CellFilter,
  type CellResult,
  type CellStatus,
  type DatasetSplit,
  type ExperimentResults,
  type LoadedExperiment,
  type Plan,
  type PlannedCell,
  type PlanOptions,
  type Rerun,
  type RunSpec,
  type TaskEvent,
  type TaskOutcome,
  type TaskSpec,
} from '@mxn/core';
import { TASK_ENV } from '@mxn/model-kit';
import { knownSecrets, redactStrings, type Store } from '@mxn/storage';
import { MxnError } from '@mxn/errors';
import { cellCache, type CellCache } from './cache.js';
import { eventRelay, type RunEvent } from './event-relay.js';
import type { OutputStream } from './follow-output.js';
import { createScorer, type CellScore } from './score-cell.js';
import { readSplitRows, stageInputs, type SplitRows } from './stage.js';

export interface RunExperimentOptions {
  backend: Backend;
  /** Where inputs are staged and tasks write their outputs. */
  staging: Store;
  /** Where cell results are cached (often the staging store itself). */
  cache: Store;
  rerun?: Rerun;
  only?: CellFilter[];
  /** Overrides `compute.concurrency`. */
  concurrency?: number;
  signal?: AbortSignal;
  onPlan?: (plan: Plan) => void;
  /** Task events, in order per task; a failed or retried cell's event carries its stderr tail. */
  onEvent?: (event: RunEvent) => void;
  /**
   * The model's output as it is written (`--verbose`). Only for a run of one cell: a run that would
   * run more is refused before anything runs.
   */
  onOutput?: (taskId: string, stream: OutputStream, text: string) => void;
  /** Image reference per model build folder (set once images are built and pushed). */
  images?: Record<string, string>;
  /**
   * The results folder's latest merged view: with `only`, a cell of the experiment neither run now
   * nor in the cache keeps its result from here, so a partial run never shrinks the matrix.
   */
  previous?: ExperimentResults;
  /** Notes, such as a cached result the cache refused to serve. */
  log?: (line: string) => void;
}

export interface RunExperimentResult {
  plan: Plan;
  /** The matrix: the cells this run selected, and with `only` every other cell that has a stored result. */
  results: ExperimentResults;
  /** The cells this run selected (`only`), as they ended: what its exit code, its counts and its run record go by. */
  selected: CellResult[];
}

/**
 * What a plan needs of the backend that will run it: its runtime (part of every key) and how it
 * resolves prebuilt images to digests. Plans and runs both take it from here.
 */
export function backendPlanOptions(
  backend: Pick<Backend, 'runtime' | 'resolveImage'> | undefined,
): Pick<PlanOptions, 'runtime' | 'resolveImage'> {
  if (!backend) return {};
  return { runtime: backend.runtime, ...(backend.resolveImage ? { resolveImage: backend.resolveImage.bind(backend) } : {}) };
}

export async function runExperiment(loaded: LoadedExperiment, options: RunExperimentOptions): Promise<RunExperimentResult> {
  const { spec } = loaded;
  const startedAt = new Date();
  const { staging, cache: cacheStore } = options;
  const cache = cellCache(cacheStore, options.log ? { log: options.log } : {});
  const plan = await planExperiment(loaded, {
    ...backendPlanOptions(options.backend),
    lookup: cache.lookup,
    rerun: options.rerun,
    only: options.only,
  });
  const toRun = plan.cells.filter((cell) => cell.willRun);
  if (options.onOutput && toRun.length > 1)
    throw new MxnError('Usage', `live output (--verbose) follows one cell, and ${toRun.length} cells of ${spec.name} would run`, {
      hint: 'choose one with --only model=NAME,dataset=NAME',
    });
  options.onPlan?.(plan);

  const metrics = metricsOf(loaded);
  // A dataset that cannot be read or split fails its own cells, with one line; the other cells run. One
  // found too small for its split when the file was loaded is not read again.
  const known = toRun.flatMap((cell): Array<[string, string]> => (cell.datasetProblem ? [[cell.dataset, cell.datasetProblem]] : []));
  const staged = await stageInputs(
    loaded,
    toRun.filter((cell) => !cell.datasetProblem),
    staging,
    cacheStore,
  );
  const unusable = new Map([...known, ...staged.failed]);
  const unusableCells = toRun.filter((cell) => unusable.has(cell.dataset));
  if (unusableCells.length > 0) toRun.splice(0, toRun.length, ...toRun.filter((cell) => !unusable.has(cell.dataset)));
  for (const cell of unusableCells) {
    const message = unusable.get(cell.dataset);
    options.onEvent?.({ taskId: cell.id, kind: 'cell', state: 'failed', attempt: 0, at: new Date(), ...(message ? { message } : {}) });
  }
  const runSpec = buildRunSpec(loaded, plan, toRun, staging, options);

  // Score and store each cell as soon as it ends, so a run that dies (kill -9, a lost runner, a
  // superseded CI job) keeps what finished; the full outcome overwrites it at the end.
  const scoreCell = createScorer(staging, cacheStore, spec.evaluation, metrics);
  const byId = new Map(toRun.map((cell) => [cell.id, cell]));
  const scores = new Map<string, ReturnType<typeof scoreCell>>();
  const runningSince = new Map<string, Date>();
  const early: Promise<void>[] = [];
  const savedEarly = new Set<string>();
  const relay = eventRelay({
    staging,
    keyOf: (taskId) => byId.get(taskId)?.key,
    ...(options.onEvent ? { deliver: options.onEvent } : {}),
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
  });
  const onEvent = (event: TaskEvent) => {
    const cell = byId.get(event.taskId);
    if (!cell || (event.state !== 'succeeded' && event.state !== 'failed')) {
      if (cell && event.state === 'running' && !runningSince.has(cell.id)) runningSince.set(cell.id, event.at);
      relay.send(event.taskId, event);
      return;
    }
    const score = event.state === 'succeeded' ? scoreCell(cell) : undefined;
    if (score) scores.set(cell.id, score);
    const provisional = outcomeFromEvent(event, runningSince.get(cell.id));
    early.push(
      resultOf(cell, provisional, score, staging)
        .then(cache.save)
        .then(
          () => void savedEarly.add(cell.id),
          () => undefined,
        ),
    );
    if (!score) return relay.send(cell.id, event);
    // A cell is done when it is scored: a model that exits 0 without usable predictions has failed.
    relay.send(
      cell.id,
      score.then(
        (scored): TaskEvent => (scored.error ? { ...event, state: 'failed', message: scored.error } : event),
        () => event,
      ),
    );
  };

  // The aggregate's result is reused when every cell is cached and it already ran over exactly these cells and outcomes.
  const aggregateKeyOf = (cells: Array<{ key: string; outcome: string | undefined }>) =>
    plan.aggregate ? cachePaths.aggregate(aggregateKey(plan.aggregate, cells)) : undefined;
  const cachedKey =
    toRun.length === 0 ? aggregateKeyOf(plan.cells.map((cell) => ({ key: cell.key, outcome: cell.cached?.status }))) : undefined;
  const storedAggregate = cachedKey ? await cache.loadAggregate(cachedKey) : undefined;
  if (storedAggregate) runSpec.aggregate = undefined;

  const outcome =
    toRun.length > 0 || runSpec.aggregate
      ? await options.backend.run(runSpec, { onEvent, signal: options.signal })
      : { runId: plan.runId, tasks: [], cancelled: false };

  await Promise.all(early);
  await relay.settled();
  const outcomes = new Map(outcome.tasks.map((task) => [task.taskId, task]));
  const cells: CellResult[] = [];
  for (const cell of plan.cells) {
    const unusableMessage = cell.willRun ? unusable.get(cell.dataset) : undefined;
    if (unusableMessage !== undefined) {
      // Not cached: the dataset is read again on the next run, so a fixed file is picked up.
      cells.push(await resultOf(cell, datasetFailure(cell, unusableMessage), undefined, staging));
      continue;
    }
    // a cached cell's result is redacted with the results below (it was when it was stored, too)
    const result = cell.willRun ? await resultOf(cell, outcomes.get(cell.id), scores.get(cell.id), staging) : fromCache(cell);
    // A success stored as it happened is final; a failure is stored again with the backend's full error text.
    if (cell.willRun && result.status !== 'cancelled' && !(result.status === 'succeeded' && savedEarly.has(cell.id)))
      await cache.save(result);
    cells.push(result);
  }
  const matrix = options.only?.length
    ? await withCachedRest(loaded, cells, cache, options.backend, options.previous)
    : { variants: plan.variants, datasets: plan.datasets, cells };

  let aggregate = storedAggregate;
  if (outcome.aggregate && runSpec.aggregate) {
    aggregate = redacted({
      status: outcome.aggregate.status,
      attempts: outcome.aggregate.attempts,
      durationMs: outcome.aggregate.durationMs,
      output: `${staging.uri}/${runSpec.aggregate.outputPrefix}`,
      ...(outcome.aggregate.error ? { error: outcome.aggregate.error } : {}),
    });
    const storedKey = aggregateKeyOf(
      cells.map((cell) => ({ key: cell.key, outcome: cell.status === 'cached' ? 'succeeded' : cell.status })),
    );
    if (aggregate.status !== 'cancelled' && storedKey && !cells.some((cell) => cell.status === 'cancelled'))
      await cache.saveAggregate(storedKey, aggregate);
  }

  // every string of the results (a cached cell's, the previous results' too) through the one redactor
  const results: ExperimentResults = redacted({
    version: RESULTS_VERSION,
    experiment: spec.name,
    ...(spec.description ? { description: spec.description } : {}),
    runId: plan.runId,
    backend: options.backend.name,
    runtime: plan.runtime,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    evaluation: { target: spec.evaluation.target, task: spec.evaluation.task, metrics },
    variants: matrix.variants,
    datasets: matrix.datasets,
    splits: await splitsOf(plan, matrix.datasets, staged.rows, cacheStore, options.previous),
    cells: matrix.cells,
    ...(aggregate ? { aggregate } : {}),
    totals: countStatuses(matrix.cells),
  });
  return { plan, results, selected: cells };
}

function buildRunSpec(loaded: LoadedExperiment, plan: Plan, toRun: PlannedCell[], staging: Store, options: RunExperimentOptions): RunSpec {
  const { spec } = loaded;
  const common = { [TASK_ENV.target]: spec.evaluation.target, [TASK_ENV.task]: spec.evaluation.task };
  /** `{ image }` when the task's image is known: prebuilt, or pushed for its build folder. */
  const image = (buildDir: string | undefined, fixed: string | undefined) => {
    const ref = fixed ?? (buildDir ? options.images?.[buildDir] : undefined);
    return ref ? { image: ref } : {};
  };
  const tasks: TaskSpec[] = toRun.map((cell) => ({
    id: cell.id,
    kind: 'cell',
    model: cell.model,
    dataset: cell.dataset,
    command: cell.command,
    ...(cell.buildDir ? { buildDir: cell.buildDir } : {}),
    ...image(cell.buildDir, cell.image),
    env: {
      ...cell.env,
      ...common,
      [TASK_ENV.params]: paramsJson(cell.params),
      [TASK_ENV.cellId]: cell.id,
      [TASK_ENV.model]: cell.model,
      [TASK_ENV.dataset]: cell.dataset,
    },
    inputPrefix: stagingPaths.inputs(cell.inputKey),
    outputPrefix: stagingPaths.cellOutput(cell.key),
  }));
  const aggregate: TaskSpec | undefined = plan.aggregate && {
    id: 'aggregate',
    kind: 'aggregate',
    model: 'aggregate',
    dataset: '',
    command: plan.aggregate.command,
    ...(plan.aggregate.buildDir ? { buildDir: plan.aggregate.buildDir } : {}),
    ...image(plan.aggregate.buildDir, plan.aggregate.image),
    env: {
      ...common,
      [TASK_ENV.params]: paramsJson(plan.aggregate.params),
      [TASK_ENV.cellId]: 'aggregate',
      [TASK_ENV.model]: 'aggregate',
      [TASK_ENV.dataset]: '',
    },
    inputPrefix: stagingPaths.aggregateInput(plan.runId),
    outputPrefix: stagingPaths.aggregateOutput(plan.runId),
  };
  return {
    runId: plan.runId,
    experiment: spec.name,
    stagingUri: staging.uri,
    tasks,
    ...(aggregate ? { aggregate } : {}),
    cached: plan.cells
      .filter((cell) => !cell.willRun)
      .map((cell) => ({
        id: cell.id,
        model: cell.model,
        dataset: cell.dataset,
        outputPrefix: stagingPaths.cellOutput(cell.key),
        status: cell.cached?.status === 'failed' ? ('failed' as const) : ('cached' as const),
      })),
    target: spec.evaluation.target,
    limits: {
      concurrency: options.concurrency ?? spec.compute.concurrency ?? availableParallelism(),
      retries: spec.compute.retries,
      ...(spec.compute.retryModelFailures ? { retryModelFailures: true } : {}),
      timeoutMs: parseDuration(spec.compute.timeout)!,
    },
  };
}

/**
 * Where a task's outcome becomes a result, stored in the cache and shown in every report made from
 * it: every string in it (the error text, a model's own metrics.json, keys and values) has token
 * shapes and the secret values this process holds masked.
 */
function redacted<T>(value: T): T {
  return redactStrings(value, knownSecrets());
}

/** A cell's result from its task's outcome and score, redacted (the one place an outcome becomes a result). */
async function resultOf(
  cell: PlannedCell,
  outcome: TaskOutcome | undefined,
  scored: Promise<CellScore> | undefined,
  staging: Store,
): Promise<CellResult> {
  return redacted(await unredactedResultOf(cell, outcome, scored, staging));
}

async function unredactedResultOf(
  cell: PlannedCell,
  outcome: TaskOutcome | undefined,
  scored: Promise<CellScore> | undefined,
  staging: Store,
): Promise<CellResult> {
  const base = {
    id: cell.id,
    model: cell.model,
    variant: cell.variant,
    params: cell.params,
    ...paramsShown(cell),
    dataset: cell.dataset,
    key: cell.key,
    output: `${staging.uri}/${stagingPaths.cellOutput(cell.key)}`,
  };
  if (!outcome) return { ...base, status: 'cancelled', attempts: 0, durationMs: 0, metrics: {} };
  const timing = {
    attempts: outcome.attempts,
    durationMs: Math.round(outcome.durationMs),
    ...(outcome.startedAt ? { startedAt: outcome.startedAt.toISOString() } : {}),
    ...(outcome.finishedAt ? { finishedAt: outcome.finishedAt.toISOString() } : {}),
    ...(outcome.exitCode !== undefined ? { exitCode: outcome.exitCode } : {}),
  };
  if (outcome.status !== 'succeeded') {
    return {
      ...base,
      ...timing,
      status: outcome.status,
      metrics: {},
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(outcome.infrastructure && outcome.status === 'failed' ? { infrastructure: true } : {}),
    };
  }
  const score: CellScore = scored ? await scored : { metrics: {}, error: 'internal: the cell succeeded but was never scored' };
  return {
    ...base,
    ...timing,
    status: score.error ? 'failed' : 'succeeded',
    metrics: score.metrics,
    ...(score.modelMetrics ? { modelMetrics: score.modelMetrics } : {}),
    ...(score.error ? { error: score.error } : {}),
  };
}

/**
 * A run with `--only` still writes the whole matrix where it can: the cells it ran, plus every
 * other cell of the experiment that has a stored result (as `cached`), else its result in the
 * previous `results.json`, in experiment order.
 */
async function withCachedRest(
  loaded: LoadedExperiment,
  ran: CellResult[],
  cache: CellCache,
  backend: Backend,
  previous: ExperimentResults | undefined,
) {
  const full = await planExperiment(loaded, { ...backendPlanOptions(backend), lookup: cache.lookup });
  const byId = new Map(ran.map((cell) => [cell.id, cell]));
  const before = new Map((previous?.cells ?? []).map((cell) => [cell.id, cell]));
  const cells = full.cells.flatMap((cell) => byId.get(cell.id) ?? (cell.cached ? [fromCache(cell)] : (before.get(cell.id) ?? [])));
  // one Set each, made once: a Set per name would make a large --only run quadratic
  const variants = new Set(cells.map((cell) => cell.variant));
  const datasets = new Set(cells.map((cell) => cell.dataset));
  return {
    variants: full.variants.filter((name) => variants.has(name)),
    datasets: full.datasets.filter((name) => datasets.has(name)),
    cells,
  };
}

/**
 * Each dataset's split and its rows per side: counted when it was staged (this run or an earlier one,
 * kept beside its labels); a dataset this run did not plan keeps what the previous results said.
 */
async function splitsOf(
  plan: Plan,
  datasets: string[],
  rows: Map<string, SplitRows>,
  cache: Store,
  previous: ExperimentResults | undefined,
): Promise<Record<string, DatasetSplit>> {
  const inputKeys = new Map(plan.cells.map((cell) => [cell.dataset, cell.inputKey]));
  const entries = await Promise.all(
    datasets.map(async (name): Promise<[string, DatasetSplit] | undefined> => {
      const split = plan.splits?.[name]?.split;
      if (split === undefined) return previous?.splits?.[name] ? [name, previous.splits[name]] : undefined;
      const inputKey = inputKeys.get(name);
      const counted = rows.get(name) ?? (inputKey ? await readSplitRows(cache, inputKey) : undefined);
      return [name, { split, ...(counted ?? {}) }];
    }),
  );
  return Object.fromEntries(entries.filter((entry) => entry !== undefined));
}

/** The outcome of a cell whose dataset could not be staged: it never started. */
function datasetFailure(cell: PlannedCell, message: string): TaskOutcome {
  return { taskId: cell.id, kind: 'cell', status: 'failed', attempts: 0, durationMs: 0, error: message };
}

/** What a terminal event says of a task, before the backend's full outcome is in. */
function outcomeFromEvent(event: TaskEvent, started: Date | undefined): TaskOutcome {
  return {
    taskId: event.taskId,
    kind: event.kind,
    status: event.state === 'succeeded' ? 'succeeded' : 'failed',
    attempts: event.attempt,
    ...(started ? { startedAt: started } : {}),
    finishedAt: event.at,
    durationMs: started ? event.at.getTime() - started.getTime() : 0,
    ...(event.exitCode !== undefined ? { exitCode: event.exitCode } : {}),
    ...(event.message ? { error: event.message } : {}),
    ...(event.infrastructure ? { infrastructure: true } : {}),
  };
}

function fromCache(cell: PlannedCell): CellResult {
  const stored = cell.cached!;
  return {
    ...stored,
    id: cell.id,
    variant: cell.variant,
    params: cell.params,
    ...paramsShown(cell),
    status: stored.status === 'failed' ? 'failed' : 'cached',
    fromCache: true,
  };
}

/** A cell's fixed params and env for its result, when it has any. */
function paramsShown(cell: PlannedCell): Pick<CellResult, 'fixed' | 'env'> {
  return {
    ...(cell.fixed && Object.keys(cell.fixed).length > 0 ? { fixed: cell.fixed } : {}),
    ...(cell.env && Object.keys(cell.env).length > 0 ? { env: cell.env } : {}),
  };
}

/** Counts by status. */
export function countStatuses(cells: CellResult[]): Record<CellStatus, number> {
  const totals: Record<CellStatus, number> = { succeeded: 0, failed: 0, cached: 0, cancelled: 0 };
  for (const cell of cells) totals[cell.status]++;
  return totals;
}
