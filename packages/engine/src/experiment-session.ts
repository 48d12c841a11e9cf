/**
 * An opened experiment: the loaded file, its backend and its stores, and everything a front end
 * does with it: `plan()`, `run()`, `publish()`, `logs()` and `cancel()`. The CLI and the GitHub
 * steps parse their input, call these and render what comes back; the policies (which stores,
 * what a cancel means for publishing, what counts as failed, the exit class) are decided here once.
 */
import path from 'node:path';
import {
  planExperiment,
  projectPaths,
  stagingPaths,
  storeAddresses,
  type Backend,
  type CellFilter,
  type CellResult,
  type CellStatus,
  type ExperimentResults,
  type LoadedExperiment,
  type LoadOptions,
  type Plan,
  type Rerun,
  type Runtime,
  type StoreAddresses,
} from '@mxn/core';
import { MxnError } from '@mxn/errors';
import { writeResults, type WrittenResults } from '@mxn/report';
import { isRemoteUri, openStore } from '@mxn/storage';
import { buildImages, type BuildOptions, type BuildReport } from './build.js';
import { createBackend as defaultCreateBackend, type CreateBackendOptions } from './backends/create-backend.js';
import { runOutcomeClass, type RunOutcomeClass } from './exit-class.js';
import { loadExperiment } from './experiment-schema.js';
import { checkUntrustedExperiment } from './location-policy.js';
import { publishOutputs, type PublishReport } from './publish-outputs.js';
import { cellCache } from './run/cache.js';
import { readCellLogs } from './run/cell-logs.js';
import { resolveBaseline } from './run/baseline.js';
import { previousResults, runRecord, writeRunRecord } from './run/run-history.js';
import { backendPlanOptions, countStatuses, runExperiment, type RunExperimentOptions } from './run/run-experiment.js';

export interface OpenExperimentOptions {
  /** Project root (default: found from the file, see `loadExperiment`). */
  root?: string;
  /** Overrides `compute.backend`. */
  backend?: string;
  /** Local backend: overrides `compute.runtime` (`--runtime`). */
  runtime?: Runtime;
  /** Overrides `compute.concurrency`. */
  concurrency?: number;
  /** Overrides the staging store (`--staging`); see `storeAddresses` in @mxn/core for the rule. */
  staging?: string;
  /**
   * The experiment comes from untrusted code (a fork's pull request): its cells never run as processes
   * here, and the stores it names must be allowed (`checkLocations`, from `MXN_STAGING` and `MXN_ALLOWED_LOCATIONS`).
   */
  untrusted?: boolean;
  /** Read the datasets now (row counts, readable files). Default true. */
  checkData?: boolean;
  /**
   * Planning needs no compute: with `optional`, a backend that cannot be set up here (no
   * credentials, no engine) leaves `backend` undefined and says why in `backendProblem`.
   */
  backendRequired?: boolean;
  /** Notes: the runtime chosen, image builds, publishing. */
  log?: (line: string) => void;
  /** Tests: stands in for `createBackend`. */
  createBackend?: (name: string, options?: CreateBackendOptions) => Promise<Backend>;
  env?: NodeJS.ProcessEnv;
}

export interface SessionPlanOptions {
  only?: CellFilter[];
  rerun?: Rerun;
  /**
   * A remote cache this machine cannot open or list (no credentials, e.g. a fork's plan) leaves
   * every cell unmarked and is reported here instead of failing the plan. A local cache that fails
   * is a real error either way.
   */
  onCacheUnreachable?: (uri: string, error: unknown) => void;
  /** Count the rows each side of every split gets (`PlanOptions.countSides`): for a plan shown to people, not a run's. */
  countSides?: boolean;
}

/**
 * What a run takes from its caller; the backend, stores and concurrency come from the session.
 * `images` may name folders relative to the root.
 */
export interface SessionRunOptions
  extends Pick<RunExperimentOptions, 'only' | 'rerun' | 'signal' | 'onPlan' | 'onEvent' | 'onOutput' | 'images'> {
  /** Results folder. Default `results/<experiment>` under the project root. */
  outDir?: string;
  /**
   * Earlier results to compare with in summary.md and report.html; or, as text, `previous`, a run
   * kept in the results folder's `runs/` (record name or run id), a results file or a git ref (see
   * `resolveBaseline`: another experiment's or task's run is refused).
   */
  baseline?: ExperimentResults | string;
  /** Overrides the experiment's `outputs:` store. */
  outputs?: string;
}

export interface RunReport {
  plan: Plan;
  results: ExperimentResults;
  written: WrittenResults;
  /** Cells of this run's selection that failed (cached failures too), plus one when the aggregate failed. */
  failed: number;
  /** This run's selected cells by status: what its progress line counted, and what its exit code goes by. */
  counts: Record<CellStatus, number>;
  /** Of `counts.failed`, the failures served from the cache (not run again; `--rerun failed` runs them). */
  cachedFailures: number;
  /** The run's own record, `runs/<record>.json` in the results folder. */
  record: string;
  /** The run was stopped (`signal`) or left cells cancelled. */
  cancelled: boolean;
  /** What was copied to the `outputs:` store. */
  published?: PublishReport;
  /** Why nothing was copied to `outputs:` although the experiment has one: the run was cancelled. */
  publishSkipped?: string;
  /** Why copying to `outputs:` failed; the results are written all the same, and the run counts as failed. */
  publishError?: string;
  /** `ok`, `failure` or `cancelled`: the one reading of this outcome every front end shows (exit 0, 1, 130). */
  outcome: RunOutcomeClass;
}

export interface CellLogs {
  id: string;
  /** The cell's stored result, when it has one. */
  status?: CellResult['status'];
  /** Where its outputs are (or would be). */
  output: string;
  /** The attempt the logs are of (the last one unless asked), when the cell has a stored result. */
  attempt?: number;
  /** How many attempts its stored result made. */
  attempts?: number;
  /** Where the logs were read from. */
  location: string;
  stdout?: string;
  stderr?: string;
}

export interface ExperimentSession {
  readonly loaded: LoadedExperiment;
  /** Undefined only when opened with `backendRequired: false` and the backend could not be set up. */
  readonly backend: Backend | undefined;
  readonly backendProblem?: string;
  readonly stores: StoreAddresses;
  plan(options?: SessionPlanOptions): Promise<Plan>;
  run(options?: SessionRunOptions): Promise<RunReport>;
  publish(results: ExperimentResults, written: WrittenResults, uri?: string): Promise<PublishReport>;
  /**
   * Each selected cell's stdout and stderr from wherever the run kept them (the staging store: the
   * local task folders, or the blobs Azure Batch tasks upload); `attempt` picks an earlier attempt of a retried cell.
   */
  logs(options?: { only?: CellFilter[]; attempt?: number }): Promise<CellLogs[]>;
  /**
   * What the backend will run on (pool, node image and its support date, VM size, warnings), for
   * the plan and the run header; none when it cannot say.
   */
  describe(): Promise<string[]>;
  /** Builds (and with `push`, pushes) this experiment's model images. */
  build(options?: BuildOptions): Promise<BuildReport>;
  /** Stops this experiment's run on a backend whose runs outlive the process; returns the run id. */
  cancel(options?: { only?: CellFilter[]; rerun?: Rerun }): Promise<string>;
}

export async function openExperiment(file: string, options: OpenExperimentOptions = {}): Promise<ExperimentSession> {
  const loadOptions: LoadOptions = {
    ...(options.root ? { root: options.root } : {}),
    ...(options.checkData === false ? { checkData: false } : {}),
    ...(options.untrusted ? { untrusted: true } : {}),
    // A dataset too small for its split fails its own cells in a run (and shows in a plan); the rest run.
    keepDatasetProblems: true,
  };
  const loaded = await loadExperiment(options.root ? path.resolve(options.root, file) : file, loadOptions);
  // A pull request's file may name only the stores the repository allows (before any store is opened),
  // and its checkout's `.mxn` (the default local store) must be a real folder, if any, before anything is written.
  if (options.untrusted) checkUntrustedExperiment(loaded, options.env);
  const name = options.backend || loaded.spec.compute.backend;
  const create = options.createBackend ?? defaultCreateBackend;
  const backendOptions: CreateBackendOptions = {
    experiment: loaded,
    untrusted: options.untrusted === true,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.runtime ? { runtime: options.runtime } : {}),
    ...(options.log ? { log: options.log } : {}),
  };
  let backend: Backend | undefined;
  let backendProblem: string | undefined;
  if (options.backendRequired === false) {
    backend = await create(name, backendOptions).catch((error: Error) => {
      backendProblem = `backend ${name} not available here (${error.message})`;
      return undefined;
    });
  } else {
    backend = await create(name, backendOptions);
  }
  const stores = storeAddresses(loaded, { staging: options.staging, backend, ...(options.env ? { env: options.env } : {}) });
  const log = options.log ?? (() => {});
  const open = (uri: string) => openStore(uri, loaded.root);
  const need = (what: string): Backend => {
    if (!backend) throw new MxnError('Usage', `cannot ${what}: ${backendProblem ?? `backend ${name} is not set up`}`);
    return backend;
  };

  const session: ExperimentSession = {
    loaded,
    backend,
    ...(backendProblem ? { backendProblem } : {}),
    stores,

    async plan(planOptions = {}) {
      const lookup = async (keys: string[]) => {
        try {
          return await cellCache(await open(stores.cache), { log }).lookup(keys);
        } catch (error) {
          if (!planOptions.onCacheUnreachable || !isRemoteUri(stores.cache)) throw error;
          planOptions.onCacheUnreachable(stores.cache, error);
          return new Map<string, CellResult>();
        }
      };
      return planExperiment(loaded, {
        ...backendPlanOptions(backend),
        lookup,
        rerun: planOptions.rerun ?? 'none',
        only: planOptions.only ?? [],
        countSides: planOptions.countSides === true,
      });
    },

    async run(runOptions = {}) {
      const runner = need('run');
      const staging = await open(stores.staging);
      const cache = stores.cache === stores.staging ? staging : await open(stores.cache);
      const images = Object.fromEntries(Object.entries(runOptions.images ?? {}).map(([dir, ref]) => [path.resolve(loaded.root, dir), ref]));
      const outDir = runOptions.outDir ?? path.join(loaded.root, projectPaths.results(loaded.spec.name));
      const previous = await previousResults(outDir, loaded.spec.name);
      // A baseline that cannot be used is refused before anything runs.
      const { target, task } = loaded.spec.evaluation;
      const current = {
        experiment: loaded.spec.name,
        startedAt: new Date().toISOString(),
        runId: '',
        evaluation: { target, task, metrics: [] },
      };
      const baseline =
        typeof runOptions.baseline === 'string'
          ? await resolveBaseline(runOptions.baseline, { resultsDir: outDir, current })
          : runOptions.baseline;
      const { plan, results, selected } = await runExperiment(loaded, {
        backend: runner,
        staging,
        cache,
        rerun: runOptions.rerun ?? 'none',
        only: runOptions.only ?? [],
        images,
        log,
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        ...(runOptions.signal ? { signal: runOptions.signal } : {}),
        ...(runOptions.onPlan ? { onPlan: runOptions.onPlan } : {}),
        ...(runOptions.onEvent ? { onEvent: runOptions.onEvent } : {}),
        ...(runOptions.onOutput ? { onOutput: runOptions.onOutput } : {}),
        ...(previous ? { previous } : {}),
      });
      const cancelled = runOptions.signal?.aborted === true || results.totals.cancelled > 0;
      // results.json and summary.md are the latest merged view; the run's own cells go to its record.
      const written = await writeResults(results, outDir, baseline ? { baseline } : {});
      const record = await writeRunRecord(outDir, runRecord(results, selected));
      const counts = countStatuses(selected);
      const cachedFailures = selected.filter((cell) => cell.status === 'failed' && cell.fromCache).length;
      const failed = counts.failed + (results.aggregate?.status === 'failed' ? 1 : 0);
      const report: RunReport = { plan, results, written, failed, counts, cachedFailures, record, cancelled, outcome: 'ok' };
      // A cancelled run's partial results are not published: they would replace a complete set with
      // a partial one. The next run publishes in full (its finished cells come from the cache).
      const outputs = runOptions.outputs ?? loaded.spec.outputs;
      if (outputs && cancelled) {
        report.publishSkipped = `results not copied to ${outputs}: the run was cancelled`;
        log(report.publishSkipped);
      } else if (outputs) {
        try {
          report.published = await publishOutputs(results, written, outputs, { cwd: loaded.root });
        } catch (error) {
          report.publishError = `results not copied to ${outputs}: ${(error as Error).message}`;
          log(report.publishError);
        }
      }
      report.outcome = runOutcomeClass(report);
      return report;
    },

    async publish(results, written, uri) {
      const outputs = uri ?? loaded.spec.outputs;
      if (!outputs)
        throw new MxnError('Usage', `${loaded.spec.name} has no outputs: store to publish to`, {
          hint: 'add outputs: <uri> to the experiment, or pass one',
        });
      return publishOutputs(results, written, outputs, { cwd: loaded.root });
    },

    async logs(logOptions = {}) {
      const plan = await session.plan({ ...(logOptions.only ? { only: logOptions.only } : {}) });
      const staging = await open(stores.staging);
      return Promise.all(
        plan.cells.map(async (cell): Promise<CellLogs> => {
          const stored = cell.cached;
          const text = await readCellLogs(
            staging,
            { id: cell.id, key: cell.key, ...(stored ? { attempts: stored.attempts } : {}) },
            logOptions.attempt,
          );
          return {
            id: cell.id,
            ...(stored ? { status: stored.status, attempts: stored.attempts } : {}),
            output: `${staging.uri}/${stagingPaths.cellOutput(cell.key)}`,
            ...text,
          };
        }),
      );
    },

    async describe() {
      if (!backend?.describe) return [];
      return backend.describe().catch((error: Error) => [`${backend?.name}: could not say what it runs on (${error.message})`]);
    },

    build(buildOptions = {}) {
      return buildImages([loaded], { root: loaded.root, ...(options.log ? { log: options.log } : {}), ...buildOptions });
    },

    async cancel(cancelOptions = {}) {
      const runner = need('cancel a run');
      if (!runner.cancel)
        throw new MxnError('Usage', `the ${runner.name} backend has no runs to cancel outside this process`, {
          hint: 'press Ctrl-C in the terminal that runs it',
        });
      const plan = await session.plan(cancelOptions);
      await runner.cancel(plan.runId);
      return plan.runId;
    },
  };
  return session;
}
