/**
 * The `run` step: the engine's run (stage, submit, watch, collect; cloud backends re-attach to a
 * run they started before; results written, compared with the base branch, and published to
 * `outputs:`), shown as log lines (one per cell state change). It holds no GitHub token: the job
 * that runs pull-request code cannot write to the repository; the publish job (`reportStep`)
 * posts the results from the uploaded artifact.
 */
import path from 'node:path';
import type { Backend, CellFilter, Rerun } from '@mxn/core';
import { openExperiment, type CreateBackendOptions, type RunReport } from '@mxn/engine';
import { formatBytes } from '@mxn/storage';
import { readBaseline } from '../baseline.js';
import { assertRunApproved } from '../approval.js';
import { backendOverride } from '../backend-input.js';
import { redactStepText } from '../redact-results.js';

export interface RunStepOptions {
  root: string;
  /** Experiment file (relative to root). */
  experiment: string;
  /** Default (and `experiment`, the workflow's dispatch choice): the experiment's `compute.backend`. */
  backend?: string;
  rerun?: Rerun;
  /** Run only the matching cells (`mxn run --only`); results keep the rest of the matrix from the cache. */
  only?: CellFilter[];
  /** Image per build folder, as `build-images` outputs it (relative or absolute folders). */
  images?: Record<string, string>;
  /** Base branch, for the baseline. */
  baseRef?: string;
  /**
   * The pull request run, if any: an untrusted one (`trusted: false`) runs only with `approvedSha`
   * equal to its head commit, and never in the process runtime.
   */
  pullRequest?: { trusted: boolean; headSha: string };
  /** The commit a maintainer approved (the plan job's `approved-sha` output). */
  approvedSha?: string;
  log?: (line: string) => void;
  /** Aborting it cancels the run: the backend stops the cells (local processes, the Batch job) and the results say so. */
  signal?: AbortSignal;
  /** Default `createBackend` of @mxn/backends (the plan step takes the same). */
  createBackend?: (name: string, options?: CreateBackendOptions) => Promise<Backend>;
  /** Untrusted code (a fork, …): never the process runtime (its code would run on the runner itself). Implied by `pullRequest`. */
  untrusted?: boolean;
}

/** The engine's report of the run (results, written files, failures, cancel, publishing, outcome). */
export type RunStepResult = RunReport;

export async function runStep(options: RunStepOptions): Promise<RunStepResult> {
  // every line (a cell's error among them) passes through the one redactor before the log
  const log = (line: string) => options.log?.(redactStepText(line));
  assertRunApproved(options.pullRequest, options.approvedSha);
  const override = backendOverride(options.backend);
  const session = await openExperiment(options.experiment, {
    root: options.root,
    ...(override ? { backend: override } : {}),
    untrusted: options.untrusted === true || options.pullRequest?.trusted === false,
    log,
    ...(options.createBackend ? { createBackend: options.createBackend } : {}),
  });
  const { loaded } = session;
  const backend = session.backend!;
  for (const line of await session.describe()) log(line);
  // the base branch's results, only when they are of this experiment, task and target (the CLI's policy)
  const { baseline, note } = await readBaseline({
    cwd: options.root,
    current: { experiment: loaded.spec.name, evaluation: loaded.spec.evaluation },
    ...(options.baseRef ? { baseRef: options.baseRef } : {}),
  });
  if (note) log(note);
  const report = await session.run({
    rerun: options.rerun ?? 'none',
    ...(options.only ? { only: options.only } : {}),
    ...(options.images ? { images: options.images } : {}),
    ...(baseline ? { baseline: baseline.results } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onPlan: (planned) => {
      const toRun = planned.cells.filter((cell) => cell.willRun).length;
      log(
        `${planned.experiment}: ${planned.cells.length} cells (${toRun} to run, ${planned.cells.length - toRun} cached) ` +
          `on ${backend.name}, run ${planned.runId}`,
      );
    },
    onEvent: (event) => {
      if (event.state !== 'queued')
        log(
          `${event.taskId}: ${event.state}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}` +
            `${event.message ? ` — ${event.message}` : ''}`,
        );
    },
  });
  if (report.cancelled) log(`${loaded.spec.name}: cancelled; the backend stopped the cells still running`);
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
