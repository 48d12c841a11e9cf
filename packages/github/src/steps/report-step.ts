/**
 * The `report` step: the results as the sticky comment (shortened to fit), the job summary, and
 * the commit of `results/<name>/results.json` + `summary.md` to the branch (`[skip ci]`) that
 * `commitTarget` allows: never a pull request's default or base branch, nor a fork's. Error texts
 * pass through the one redactor before they reach the comment or the summary.
 *
 * Nothing a job that ran pull-request code wrote is committed or posted as it is: `results.json`
 * is read through the results schema (`readResultsArtifact`; a file that fails it is refused in one
 * line), redacted, and this step writes `results.json`, `summary.md` and `report.html` itself from
 * those results (`writeResults`) before anything is committed, posted or shown.
 */
import path from 'node:path';
import { projectPaths } from '@mxn/core';
import { renderSummary, writeResults } from '@mxn/report';
import { commitRecord } from '../approval.js';
import { readBaseline } from '../baseline.js';
import { renderResultsComment } from '../comments/results-comment.js';
import { commitResults, type CommitResult } from '../commit-results.js';
import { commitTarget } from '../commit-target.js';
import { GitHubLoopError } from '../errors.js';
import type { EventContext } from '../event-context.js';
import type { GitHubApi } from '../github-api.js';
import { appendJobSummary } from '../job-summary.js';
import { redactResults } from '../redact-results.js';
import { readResultsArtifact } from '../results-artifact.js';
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
  /**
   * Commit the results to the branch `commitTarget` picks for this event (`branch`: the one asked
   * for, else the pull request's head or the run's branch); none → no commit.
   */
  commit?: { event: Pick<EventContext, 'pullRequest' | 'refName' | 'defaultBranch'>; branch?: string };
  /** Web URL of the repository (for the link to the committed summary). */
  repositoryUrl?: string;
  /** The commit the run checked out; the results commit is pushed only while the branch still points at it (see `commitResults`). */
  expectedHead?: string;
  /**
   * The run job's downloaded artifact: only its results.json is read (see `readResultsArtifact`);
   * default the results folder of `root` itself. Either way the step renders the files it commits.
   */
  resultsDir?: string;
  /** The commit the results are of, recorded in the comment (the approval check reads it; see `commitRecord`). */
  recordCommit?: string;
  /** Log lines (e.g. why the base branch's results are not compared); the action passes `stepLogger`, which escapes them. */
  log?: (line: string) => void;
}

export interface ReportStepResult {
  comment?: StickyResult;
  commit: CommitResult;
  /** Why the results were not pushed to a branch at all (see `commitTarget`). */
  refused?: string;
  /** One line for the log: what was committed, or why nothing was. */
  commitNote: string;
  summaryWritten: boolean;
}

export async function reportStep(options: ReportStepOptions): Promise<ReportStepResult> {
  const dir = path.join(options.root, projectPaths.results(options.experiment));
  const from = options.resultsDir ?? dir;
  const results = redactResults(await readResultsArtifact(from));
  if (results.experiment !== options.experiment)
    throw new GitHubLoopError(
      'Usage',
      `${path.join(from, 'results.json')} holds the results of "${results.experiment}", not of "${options.experiment}"`,
      {
        hint: `pass the results of ${options.experiment}, or leave the experiment input empty to take the artifact's`,
      },
    );
  // the base branch's results, only when they are of this experiment, task and target (the CLI's policy)
  const { baseline, note } = await readBaseline({
    cwd: options.root,
    current: results,
    ...(options.baseRef ? { baseRef: options.baseRef } : {}),
  });
  if (note) options.log?.(note);
  // the files committed and linked are this step's rendering of the checked results, never the artifact's own
  await writeResults(results, dir, baseline ? { baseline: baseline.results } : {});
  const summaryWritten = await appendJobSummary(
    renderSummary(results, {
      ...(baseline ? { baseline: baseline.results } : {}),
      ...(options.reportUrl ? { reportUrl: options.reportUrl } : {}),
    }),
    options.stepSummaryFile,
  );
  const { succeeded, cached, failed, cancelled } = results.totals;
  // A cancelled run's partial results are posted, not committed (the next run reports in full).
  const target = options.commit ? commitTarget(options.commit.event, options.commit.branch) : undefined;
  const branch = target?.branch;
  const commit: CommitResult =
    branch && cancelled === 0
      ? await commitResults({
          cwd: options.root,
          experiment: options.experiment,
          branch,
          summary: `${succeeded} succeeded, ${cached} cached, ${failed} failed`,
          ...(options.expectedHead ? { expectedHead: options.expectedHead } : {}),
        })
      : { committed: false };
  const summaryUrl =
    options.repositoryUrl && branch && commit.skipped !== 'branch-moved' && cancelled === 0
      ? `${options.repositoryUrl}/blob/${commit.sha ?? branch}/results/${options.experiment}/summary.md`
      : undefined;
  let comment: StickyResult | undefined;
  if (options.comment) {
    const text = renderResultsComment(results, {
      ...(baseline ? { baseline: baseline.results, baselineLabel: baseline.label } : {}),
      ...(options.reportUrl ? { reportUrl: options.reportUrl } : {}),
      ...(summaryUrl ? { summaryUrl } : {}),
    });
    const recorded = options.recordCommit ? `${commitRecord(options.recordCommit)}\n${text}` : text;
    comment = await upsertStickyComment(options.comment.api, options.comment.target, options.experiment, recorded);
  }
  const commitNote = noteOf(commit, { branch, refused: target?.refused, cancelled: cancelled > 0, commented: !!comment });
  return { ...(comment ? { comment } : {}), commit, ...(target?.refused ? { refused: target.refused } : {}), commitNote, summaryWritten };
}

function noteOf(commit: CommitResult, facts: { branch?: string; refused?: string; cancelled: boolean; commented: boolean }): string {
  if (commit.committed) return `committed ${commit.sha}: ${commit.message}`;
  if (facts.refused)
    return `not committed: ${facts.refused}; the results are in the ${facts.commented ? 'pull request comment and the ' : ''}job summary`;
  if (!facts.branch) return 'no commit asked for; nothing committed';
  if (facts.cancelled) return 'the run was cancelled: its partial results are posted, not committed';
  if (commit.skipped === 'times-only') return 'results unchanged (only run times differ); nothing committed';
  if (commit.skipped === 'branch-moved')
    return `not committed: ${facts.branch} has moved since the run's commit (its newer run reports for it)`;
  return 'results unchanged; nothing committed';
}
