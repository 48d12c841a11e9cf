/**
 * The `run` step: the engine's run (stage, submit, watch, collect; cloud backends re-attach to a
 * run they started before; results written, compared with the base branch, and published to
 * `outputs:`), shown as log lines and the pull request's sticky progress comment.
 */
import path from 'node:path';
import type { Backend, CellFilter, Plan, Rerun } from '@mxn/core';
import { openExperiment, type CreateBackendOptions, type RunReport } from '@mxn/engine';
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
  /** Run only the matching cells (`mxn run --only`); results keep the rest of the matrix from the cache. */
  only?: CellFilter[];
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

/** The engine's report of the run (results, written files, failures, cancel, publishing, outcome). */
export type RunStepResult = RunReport;

export async function runStep(options: RunStepOptions): Promise<RunStepResult> {
  const log = options.log ?? (() => {});
  const session = await openExperiment(options.experiment, {
    root: options.root,
    ...(options.backend ? { backend: options.backend } : {}),
    untrusted: options.untrusted === true,
    log,
    ...(options.createBackend ? { createBackend: options.createBackend } : {}),
  });
  const { loaded } = session;
  const backend = session.backend!;
  const progress = newProgress();
  const interval = options.progressIntervalMs ?? 30_000;
  let plan: Plan | undefined;
  let lastPost = 0;
  let posting: Promise<unknown> = Promise.resolve();
  const post = (force = false, cancelled = false) => {
    if (!options.comment || !plan || (!force && Date.now() - lastPost < interval)) return;
    lastPost = Date.now();
    const text = renderProgressComment(loaded.spec.name, plan, progress, {
      backend: backend.name,
      ...(options.runUrl ? { runUrl: options.runUrl } : {}),
      ...(cancelled ? { cancelled } : {}),
    });
    const { api, target } = options.comment;
    posting = posting
      .then(() => upsertStickyComment(api, target, loaded.spec.name, text, { log }))
      .catch((error: Error) => log(`progress comment not updated: ${error.message}`));
  };
  for (const line of await session.describe()) log(line);
  const baseline = await readBaseline({
    cwd: options.root,
    experiment: loaded.spec.name,
    ...(options.baseRef ? { baseRef: options.baseRef } : {}),
  });
  const report = await session.run({
    rerun: options.rerun ?? 'none',
    ...(options.only ? { only: options.only } : {}),
    ...(options.images ? { images: options.images } : {}),
    ...(baseline ? { baseline: baseline.results } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onPlan: (planned) => {
      plan = planned;
      const toRun = planned.cells.filter((cell) => cell.willRun).length;
      log(
        `${planned.experiment}: ${planned.cells.length} cells (${toRun} to run, ${planned.cells.length - toRun} cached) ` +
          `on ${backend.name}, run ${planned.runId}`,
      );
      post(true);
    },
    onEvent: (event) => {
      if (event.kind === 'cell') progress.states.set(event.taskId, event.state);
      if (event.state !== 'queued')
        log(
          `${event.taskId}: ${event.state}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}` +
            `${event.message ? ` — ${event.message}` : ''}`,
        );
      post();
    },
  });
  if (report.cancelled) {
    log(`${loaded.spec.name}: cancelled; the backend stopped the cells still running`);
    post(true, true);
  }
  await posting;
  const { succeeded, cached, failed, cancelled } = report.results.totals;
  log(
    `${succeeded} succeeded, ${cached} cached, ${failed} failed, ${cancelled} cancelled; ` +
      `wrote ${path.relative(options.root, report.written.summary)}`,
  );
  if (report.published)
    log(
      `copied results and cell outputs to ${report.published.uri}: ` +
        `${report.published.objects} objects (${formatBytes(report.published.bytes)}), ${report.published.skipped} unchanged`,
    );
  return report;
}
