/**
 * The `plan` step: finds the experiments a pull request changes (or takes the ones named), loads
 * and plans each one (cells and cache hits, images and whether the registry has them), and posts
 * the plan as each experiment's sticky comment.
 */
import path from 'node:path';
import { ExperimentError, type Backend, type ExperimentIssue, type LoadedExperiment, type Plan, type Rerun } from '@mxn/core';
import { loadExperiment, openExperiment, type CreateBackendOptions } from '@mxn/engine';
import { checkImages, defaultRegistry, imageSourcesOf, type ImageStatus, type RegistryCredentials } from '@mxn/images';
import { changedExperiments, experimentNameOf } from '../changed-experiments.js';
import { renderPlanComment } from '../comments/plan-comment.js';
import type { GitHubApi } from '../github-api.js';
import { upsertStickyComment, type StickyTarget } from '../sticky-comment.js';
import { firstUnreachableDataset, matrixOnlyPlan, reasonOf, unreachableNote } from './cloud-reach.js';

export interface PlanStepOptions {
  /** Repository checkout. */
  root: string;
  /** Experiment files to plan (relative to root); default: those `changedFiles` concern. */
  experiments?: string[];
  /** Files changed by the pull request (relative to root). */
  changedFiles?: string[];
  rerun?: Rerun;
  /** Backend override (else each experiment's `compute.backend`). */
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
  /** The pull request comes from a fork: its runs never use the process runtime. */
  untrusted?: boolean;
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
}

export async function planStep(options: PlanStepOptions): Promise<PlanStepResult> {
  const files = options.experiments?.length
    ? options.experiments
    : await changedExperiments({ root: options.root, changedFiles: options.changedFiles ?? [] });
  const experiments: PlannedExperiment[] = [];
  for (const file of files) {
    const absolute = path.resolve(options.root, file);
    const name = await experimentNameOf(absolute);
    const entry: PlannedExperiment = { file, name };
    let plan: Plan | undefined;
    let imagesNote: string | undefined;
    try {
      // the file/line checks first, then the data only when this job can reach it
      const checked = await loadExperiment(absolute, { root: options.root, checkData: false });
      entry.backend = options.backend ?? checked.spec.compute.backend;
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
        ...(options.note ? { note: options.note } : {}),
      });
      await upsertStickyComment(options.comment.api, options.comment.target, name, text, options.log ? { log: options.log } : {});
    }
  }
  return {
    experiments,
    runnable: experiments.filter((item) => !item.problems).map((item) => item.file),
    problems: experiments.reduce((sum, item) => sum + (item.problems?.length ?? 0), 0),
  };
}
