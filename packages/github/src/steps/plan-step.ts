/**
 * The `plan` step: finds the experiments a pull request changes (or takes the ones named), loads
 * and plans each one (cells and cache hits, images and whether the registry has them), and posts
 * the plan as each experiment's sticky comment.
 */
import path from 'node:path';
import { ExperimentError, type Backend, type ExperimentIssue, type LoadedExperiment, type Plan, type Rerun } from '@mxn/core';
import { allowedLocations, checkLocations, loadExperiment, openExperiment, type CreateBackendOptions } from '@mxn/engine';
import { checkImages, defaultRegistry, imageSourcesOf, type ImageStatus, type RegistryCredentials } from '@mxn/images';
import { type ApprovalCheck, checkApproval, commitNote, commitRecord, isApprovalEvent, planNote } from '../approval.js';
import { backendOverride } from '../backend-input.js';
import { changedExperiments, experimentNameOf } from '../changed-experiments.js';
import { renderPlanComment } from '../comments/plan-comment.js';
import type { EventContext } from '../event-context.js';
import type { GitHubApi } from '../github-api.js';
import { upsertStickyComment, type StickyTarget } from '../sticky-comment.js';
import { confirmWriteAccess } from '../trust.js';
import { firstUnreachableDataset, matrixOnlyPlan, reasonOf, unreachableNote } from './cloud-reach.js';

export interface PlanStepOptions {
  /** Repository checkout. */
  root: string;
  /** Experiment files to plan (relative to root); default: those `changedFiles` concern. */
  experiments?: string[];
  /** Files changed by the pull request (relative to root). */
  changedFiles?: string[];
  rerun?: Rerun;
  /** Backend override (else, and for `experiment`, the workflow's dispatch choice, each experiment's `compute.backend`). */
  backend?: string;
  /** Registry to check images in. Default `MXN_REGISTRY`; without one, images are not checked. */
  registry?: string;
  credentials?: RegistryCredentials;
  /** Where to post the plan comments (a pull request); none → no comment. */
  comment?: { api: GitHubApi; target: StickyTarget };
  /** Extra line in every plan comment (e.g. the fork policy). */
  note?: string;
  /** Creates the backend whose default staging store holds the cache (as the run step does). Default `createBackend` of @mxn/engine. */
  createBackend?: (name: string, options?: CreateBackendOptions) => Promise<Backend>;
  /** The pull request is untrusted (a fork, or an author without write access): its runs never use the process runtime. */
  untrusted?: boolean;
  /** The commit planned (the pull request's head.sha): recorded in every plan comment, for the approval check. */
  commit?: string;
  /**
   * The approval label was just added: before any comment is rewritten, check that the bot's comment of
   * every experiment records `commit` (see `checkApproval`); the result's `approvedSha` is set only then.
   */
  checkApproval?: boolean;
  /** When the approval label was added (for `checkApproval`). Default: now. */
  labeledAt?: Date;
  log?: (line: string) => void;
}

export interface PlannedExperiment {
  file: string;
  name: string;
  problems?: ExperimentIssue[];
  backend?: string;
  /** What the backend runs on (pool, node image and its support date, warnings), when it could say. */
  backendLines?: string[];
  cells?: number;
  toRun?: number;
  runId?: string;
  images?: ImageStatus[];
  /**
   * Why the datasets and/or the cache were not checked (cloud stores this job cannot reach); the
   * plan then has no cache marks (and, without the data, no cell keys or run id).
   */
  unchecked?: string;
}

export interface PlanStepResult {
  experiments: PlannedExperiment[];
  /** Files of the valid experiments (what the run matrix takes). */
  runnable: string[];
  problems: number;
  /** With `checkApproval`: the outcome, and the commit the run may take when approved. */
  approval?: ApprovalCheck;
  approvedSha?: string;
}

export async function planStep(options: PlanStepOptions): Promise<PlanStepResult> {
  const files = options.experiments?.length
    ? options.experiments
    : await changedExperiments({ root: options.root, changedFiles: options.changedFiles ?? [], untrusted: options.untrusted === true });
  const read = { root: options.root, untrusted: options.untrusted === true };
  const named = await Promise.all(
    files.map(async (file) => ({ file, name: await experimentNameOf(path.resolve(options.root, file), read) })),
  );
  const approval = await approvalOf(
    options,
    named.map((item) => item.name),
  );
  const experiments: PlannedExperiment[] = [];
  for (const { file, name } of named) {
    const absolute = path.resolve(options.root, file);
    const entry: PlannedExperiment = { file, name };
    let plan: Plan | undefined;
    let imagesNote: string | undefined;
    try {
      // the file/line checks first, then the data only when this job can reach it
      const checked = await loadExperiment(absolute, { root: options.root, checkData: false, untrusted: options.untrusted === true });
      // a pull request's file names only the stores the repository allows, before any is reached
      if (options.untrusted) checkLocations(checked, allowedLocations());
      entry.backend = backendOverride(options.backend) ?? checked.spec.compute.backend;
      const unreachable = await firstUnreachableDataset(checked.spec, checked.root);
      let loaded: LoadedExperiment = checked;
      if (unreachable) {
        entry.unchecked = unreachableNote('datasets and cache', unreachable);
        options.log?.(`${file}: datasets and cache not checked: ${unreachable.uri} cannot be reached (${unreachable.reason})`);
        plan = matrixOnlyPlan(checked);
      } else {
        const session = await openExperiment(absolute, {
          root: options.root,
          backend: entry.backend,
          backendRequired: false,
          untrusted: options.untrusted === true,
          ...(options.createBackend ? { createBackend: options.createBackend } : {}),
        });
        loaded = session.loaded;
        if (session.backendProblem) options.log?.(`${file}: ${session.backendProblem}; cache looked up without it`);
        plan = await session.plan({
          rerun: options.rerun ?? 'none',
          countSides: true,
          onCacheUnreachable: (uri, error) => {
            entry.unchecked = unreachableNote('cache', { uri, reason: reasonOf(error) });
            options.log?.(`${file}: ${entry.unchecked.replace(/^_|_$/g, '')}`);
          },
        });
        const backendLines = await session.describe();
        if (backendLines.length) entry.backendLines = backendLines;
      }
      Object.assign(entry, {
        cells: plan.cells.length,
        toRun: plan.cells.filter((cell) => cell.willRun).length,
        ...(plan.runId ? { runId: plan.runId } : {}),
      });
      const registry = options.registry ?? defaultRegistry();
      const sources = imageSourcesOf([loaded]);
      if (registry && sources.length)
        entry.images = (
          await checkImages({ root: options.root, registry, sources, ...(options.credentials ? { credentials: options.credentials } : {}) })
        ).statuses;
      else if (sources.length)
        imagesNote =
          entry.backend === 'local'
            ? "built on the runner: the local backend builds its model folders' images itself."
            : 'not checked: set MXN_REGISTRY to the registry images are pushed to.';
    } catch (error) {
      if (!(error instanceof ExperimentError)) throw error;
      entry.problems = error.issues.map((issue) => ({
        ...issue,
        file: path.relative(options.root, path.resolve(issue.file)) || issue.file,
      }));
    }
    experiments.push(entry);
    if (options.comment) {
      const notes = [
        ...(approval && !approval.approved ? [REFUSED_NOTE] : []),
        ...(options.note ? [options.note] : []),
        ...(options.commit ? [commitNote(options.commit, options.untrusted === true)] : []),
      ];
      const text = renderPlanComment({
        experiment: name,
        file,
        ...(plan ? { plan } : {}),
        ...(entry.problems ? { problems: entry.problems } : {}),
        ...(entry.images ? { images: entry.images } : {}),
        ...(imagesNote ? { imagesNote } : {}),
        ...(entry.unchecked ? { unchecked: entry.unchecked } : {}),
        ...(entry.backend ? { backend: entry.backend } : {}),
        ...(entry.backendLines?.length ? { backendLines: entry.backendLines } : {}),
        ...(notes.length ? { note: notes.join('\n\n') } : {}),
      });
      const recorded = options.commit ? `${commitRecord(options.commit)}\n${text}` : text;
      await upsertStickyComment(options.comment.api, options.comment.target, name, recorded, options.log ? { log: options.log } : {});
    }
  }
  return {
    experiments,
    runnable: experiments.filter((item) => !item.problems).map((item) => item.file),
    problems: experiments.reduce((sum, item) => sum + (item.problems?.length ?? 0), 0),
    ...(approval ? { approval } : {}),
    ...(approval?.approved && options.commit ? { approvedSha: options.commit } : {}),
  };
}

/**
 * What the event says for the plan step, the author's write access confirmed first (`confirmWriteAccess`):
 * where to comment, the commit, whether the pull request is untrusted (its cells then run in
 * containers only, so its plan keys them so), whether the approval label was just added (the head
 * must then be the commit every plan comment showed), when, and the plan comment's note.
 */
export async function planEventOptions(
  event: EventContext,
  api: GitHubApi | undefined,
  log?: (line: string) => void,
): Promise<{ context: EventContext; options: Partial<PlanStepOptions> }> {
  const context = await confirmWriteAccess(event, api, log);
  const pr = context.pullRequest;
  const untrusted = pr?.trusted === false;
  const note = planNote(context);
  return {
    context,
    options: {
      ...(api && pr ? { comment: { api, target: { ...context.repo, issue: pr.number } }, commit: pr.headSha } : {}),
      untrusted,
      checkApproval: untrusted && isApprovalEvent(context),
      ...(pr?.updatedAt ? { labeledAt: new Date(pr.updatedAt) } : {}),
      ...(note ? { note } : {}),
    },
  };
}

const REFUSED_NOTE =
  '**Not run:** the `mxn:run` label was added for an older commit than this one, or right after this plan changed. ' +
  'Read this plan, then remove and add the label again to run this commit.';

/** The approval check, made before this step rewrites any comment (the comments the maintainer read). */
async function approvalOf(options: PlanStepOptions, names: string[]): Promise<ApprovalCheck | undefined> {
  if (!options.checkApproval) return undefined;
  if (!options.comment || !options.commit)
    return { approved: false, refusals: ['no pull request comment or commit to check the approval against'] };
  const check = await checkApproval(options.comment.api, options.comment.target, names, options.commit, {
    ...(options.labeledAt ? { labeledAt: options.labeledAt } : {}),
  });
  for (const line of check.refusals) options.log?.(`not approved: ${line}`);
  if (check.approved) options.log?.(`approved: commit ${options.commit} is the one every plan comment showed`);
  return check;
}
