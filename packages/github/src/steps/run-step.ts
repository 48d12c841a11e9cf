/**
 * The `run` step: runs one experiment with core's `runExperiment` (stage, submit, watch, collect;
 * cloud backends re-attach to a run they started before), logs progress, keeps the sticky comment
 * up to date, and writes `results/<name>/` compared with the baseline.
 */
import path from 'node:path';
import { cacheUriOf, defaultStagingUri, loadExperiment, publishOutputs, runExperiment, writeResults, type Backend, type ExperimentResults, type Plan, type PublishReport, type Rerun, type WrittenResults } from '@mxn/core';
import { createBackend, type CreateBackendOptions } from '@mxn/backends';
import { formatBytes } from '@mxn/storage';
import { readBaseline } from '../baseline.js';
import { newProgress, renderProgressComment } from '../comments/progress-comment.js';
import type { GitHubApi } from '../github-api.js';
import { upsertStickyComment, type StickyTarget } from '../sticky-comment.js';

export interface RunStepOptions {
  root: string;
  /** Experiment file (relative to root). */
  experiment: string;
  /** Default: the experiment's `compute.backend`. */
  backend?: string;
  rerun?: Rerun;
  /** Image per build folder, as `build-images` outputs it (relative or absolute folders). */
  images?: Record<string, string>;
  /** Base branch, for the baseline. */
  baseRef?: string;
  /** Where to show progress (a pull request's sticky comment). */
  comment?: { api: GitHubApi; target: StickyTarget };
  /** Least time between two progress updates of the comment. Default 30 s. */
  progressIntervalMs?: number;
  runUrl?: string;
  log?: (line: string) => void;
  /** Aborting it cancels the run: the backend stops the cells (local processes, the Batch job) and the comment says so. */
  signal?: AbortSignal;
  /** Default `createBackend` of @mxn/backends (the plan step takes the same). */
  createBackend?: (name: string, options?: CreateBackendOptions) => Promise<Backend>;
  /** The pull request comes from a fork: never the process runtime (its code would run on the runner itself). */
  untrusted?: boolean;
}

export interface RunStepResult {
  results: ExperimentResults;
  written: WrittenResults;
  failed: number;
  /** True when `signal` stopped the run (cells left are `cancelled`). */
  cancelled: boolean;
  /** What was copied to the experiment's `outputs:` store (none when it has no `outputs:`, or the run was cancelled). */
  published?: PublishReport;
  /** Why copying to `outputs:` failed; the results are written and reported all the same. */
  publishError?: string;
}

export async function runStep(options: RunStepOptions): Promise<RunStepResult> {
  const log = options.log ?? (() => {});
  const loaded = await loadExperiment(path.resolve(options.root, options.experiment), { root: options.root });
  const backendName = options.backend || loaded.spec.compute.backend;
  const backend = await (options.createBackend ?? createBackend)(backendName, { experiment: loaded, untrusted: options.untrusted === true, log });
  const images = Object.fromEntries(Object.entries(options.images ?? {}).map(([dir, ref]) => [path.resolve(options.root, dir), ref]));
  const progress = newProgress();
  const interval = options.progressIntervalMs ?? 30_000;
  let plan: Plan | undefined;
  let lastPost = 0;
  let posting: Promise<unknown> = Promise.resolve();
  const post = (force = false, cancelled = false) => {
    if (!options.comment || !plan || (!force && Date.now() - lastPost < interval)) return;
    lastPost = Date.now();
    const text = renderProgressComment(loaded.spec.name, plan, progress, { backend: backend.name, ...(options.runUrl ? { runUrl: options.runUrl } : {}), ...(cancelled ? { cancelled } : {}) });
    const { api, target } = options.comment;
    posting = posting.then(() => upsertStickyComment(api, target, loaded.spec.name, text)).catch((error: Error) => log(`progress comment not updated: ${error.message}`));
  };
  const { results } = await runExperiment(loaded, {
    backend,
    rerun: options.rerun ?? 'none',
    images,
    // the plan step looks the cache up through the same function
    stagingUri: defaultStagingUri(loaded, backend),
    cacheUri: cacheUriOf(loaded, backend),
    ...(options.signal ? { signal: options.signal } : {}),
    onPlan: (planned) => {
      plan = planned;
      const toRun = planned.cells.filter((cell) => cell.willRun).length;
      log(`${planned.experiment}: ${planned.cells.length} cells (${toRun} to run, ${planned.cells.length - toRun} cached) on ${backend.name}, run ${planned.runId}`);
      post(true);
    },
    onEvent: (event) => {
      if (event.kind === 'cell') progress.states.set(event.taskId, event.state);
      if (event.state !== 'queued') log(`${event.taskId}: ${event.state}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}${event.message ? ` — ${event.message}` : ''}`);
      post();
    },
  });
  const stopped = options.signal?.aborted === true;
  if (stopped) {
    log(`${loaded.spec.name}: cancelled; the backend stopped the cells still running`);
    post(true, true);
  }
  await posting;
  const baseline = await readBaseline({ cwd: options.root, experiment: results.experiment, ...(options.baseRef ? { baseRef: options.baseRef } : {}) });
  const written = await writeResults(results, path.join(options.root, 'results', results.experiment), baseline ? { baseline: baseline.results } : {});
  const { succeeded, cached, failed, cancelled } = results.totals;
  log(`${succeeded} succeeded, ${cached} cached, ${failed} failed, ${cancelled} cancelled; wrote ${path.relative(options.root, written.summary)}`);
  // as `mxn run` does: the results and every cell's outputs go to the experiment's `outputs:` store
  // (a cancelled run's partial results are not published; the next run publishes in full)
  const outputsUri = loaded.spec.outputs;
  let published: PublishReport | undefined;
  let publishError: string | undefined;
  if (outputsUri && stopped) log(`outputs not copied to ${outputsUri}: the run was cancelled`);
  else if (outputsUri) {
    try {
      published = await publishOutputs(results, written, outputsUri, { cwd: loaded.root });
      log(`copied results and cell outputs to ${published.uri}: ${published.objects} objects (${formatBytes(published.bytes)}), ${published.skipped} unchanged`);
    } catch (error) {
      publishError = `results not copied to outputs ${outputsUri}: ${(error as Error).message}`;
      log(publishError);
    }
  }
  return { results, written, failed: failed + (results.aggregate?.status === 'failed' ? 1 : 0), cancelled: stopped, ...(published ? { published } : {}), ...(publishError ? { publishError } : {}) };
}
