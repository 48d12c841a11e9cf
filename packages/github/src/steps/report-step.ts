/**
 * The `report` step: the results as the sticky comment (shortened to fit), the job summary, and
 * the commit of `results/<name>/results.json` + `summary.md` to the branch (`[skip ci]`).
 */
import path from 'node:path';
import { projectPaths } from '@mxn/core';
import { readResults, renderSummary } from '@mxn/report';
import { readBaseline } from '../baseline.js';
import { renderResultsComment } from '../comments/results-comment.js';
import { commitResults, type CommitResult } from '../commit-results.js';
import type { GitHubApi } from '../github-api.js';
import { appendJobSummary } from '../job-summary.js';
import { upsertStickyComment, type StickyResult, type StickyTarget } from '../sticky-comment.js';

export interface ReportStepOptions {
  root: string;
  /** Experiment name (its results are in `results/<name>/`). */
  experiment: string;
  /** Link to the full report (e.g. the uploaded report.html artifact). */
  reportUrl?: string;
  baseRef?: string;
  comment?: { api: GitHubApi; target: StickyTarget };
  /** Default `$GITHUB_STEP_SUMMARY`. */
  stepSummaryFile?: string;
  /** Branch to commit the results summary to; none → no commit. */
  commitTo?: string;
  /** Web URL of the repository (for the link to the committed summary). */
  repositoryUrl?: string;
  /** The commit the run checked out; the results commit is pushed only while the branch still points at it (see `commitResults`). */
  expectedHead?: string;
}

export interface ReportStepResult {
  comment?: StickyResult;
  commit: CommitResult;
  summaryWritten: boolean;
}

export async function reportStep(options: ReportStepOptions): Promise<ReportStepResult> {
  const dir = path.join(options.root, projectPaths.results(options.experiment));
  const results = await readResults(path.join(dir, 'results.json'));
  const baseline = await readBaseline({
    cwd: options.root,
    experiment: options.experiment,
    ...(options.baseRef ? { baseRef: options.baseRef } : {}),
  });
  const summaryWritten = await appendJobSummary(
    renderSummary(results, {
      ...(baseline ? { baseline: baseline.results } : {}),
      ...(options.reportUrl ? { reportUrl: options.reportUrl } : {}),
    }),
    options.stepSummaryFile,
  );
  const { succeeded, cached, failed, cancelled } = results.totals;
  // A cancelled run's partial results are posted, not committed (the next run reports in full).
  const commit: CommitResult =
    options.commitTo && cancelled === 0
      ? await commitResults({
          cwd: options.root,
          experiment: options.experiment,
          branch: options.commitTo,
          summary: `${succeeded} succeeded, ${cached} cached, ${failed} failed`,
          ...(options.expectedHead ? { expectedHead: options.expectedHead } : {}),
        })
      : { committed: false };
  const summaryUrl =
    options.repositoryUrl && options.commitTo && !commit.skipped && cancelled === 0
      ? `${options.repositoryUrl}/blob/${commit.sha ?? options.commitTo}/results/${options.experiment}/summary.md`
      : undefined;
  let comment: StickyResult | undefined;
  if (options.comment) {
    const text = renderResultsComment(results, {
      ...(baseline ? { baseline: baseline.results, baselineLabel: baseline.label } : {}),
      ...(options.reportUrl ? { reportUrl: options.reportUrl } : {}),
      ...(summaryUrl ? { summaryUrl } : {}),
    });
    comment = await upsertStickyComment(options.comment.api, options.comment.target, options.experiment, text);
  }
  return { ...(comment ? { comment } : {}), commit, summaryWritten };
}
