export { GitHubLoopError, type GitHubLoopErrorCode } from './errors.js';
export { failAction, type ActionFailureSink } from './action-failure.js';
export { stepLogger, type StepLogSink } from './step-log.js';
export { githubApi, type GitHubApi, type GitHubApiOptions, type IssueComment, type RepoRef } from './github-api.js';
export {
  COMMENT_LIMIT,
  commentBudget,
  commentMarker,
  fitComment,
  upsertStickyComment,
  type StickyResult,
  type StickyTarget,
} from './sticky-comment.js';
export { PLAN_MARKS, renderPlanComment, type PlanCommentInput } from './comments/plan-comment.js';
export { newProgress, renderProgressComment, type ProgressState } from './comments/progress-comment.js';
export { renderResultsComment, type ResultsCommentOptions } from './comments/results-comment.js';
export { readEventContext, type EventContext, type PullRequestInfo } from './event-context.js';
export { EXPERIMENT_BACKEND } from './backend-input.js';
export { isTrustedPullRequest, TRUSTED_ASSOCIATIONS, untrustedReason, type PullRequestOrigin } from './trust.js';
export { APPROVAL_LABEL, isApprovalEvent, planNote, recordedCommit, type ApprovalCheck } from './approval.js';
export { experimentOfResults } from './results-artifact.js';
export { changedExperiments, experimentNameOf, type ChangedExperimentsOptions } from './changed-experiments.js';
export { readBaseline, type Baseline, type BaselineChoice, type BaselineOptions } from './baseline.js';
export { BOT_EMAIL, BOT_NAME, commitResults, type CommitResult, type CommitResultsOptions } from './commit-results.js';
export { commitTarget, type CommitTarget } from './commit-target.js';
export { appendJobSummary } from './job-summary.js';
export type { Rerun } from '@mxn/core';
export { planEventOptions, planStep, type PlanStepOptions, type PlanStepResult, type PlannedExperiment } from './steps/plan-step.js';
export { buildImagesStep, type BuildImagesStepOptions, type BuildImagesStepResult } from './steps/build-images-step.js';
export { runStep, type RunStepOptions, type RunStepResult } from './steps/run-step.js';
export { reportStep, type ReportStepOptions, type ReportStepResult } from './steps/report-step.js';
export { DEFAULT_DETACH_AFTER_MS, jobStartedAt, stopOnSignals, type StopHandle, type StopOnSignalsOptions } from './stop-on-signals.js';
