/**
 * The baseline a run is compared with: `results/<name>/results.json` as committed on the base
 * branch; when the base has none yet, the one committed on this branch by the previous run. It is
 * read by the engine's one reader of committed results (`resultsAtGitRef`) and checked by the one
 * baseline policy (`baselineMismatch`, as `mxn run/report --baseline`): results of another
 * experiment, task or target are not compared, and the step logs why instead.
 */
import type { ExperimentResults } from '@mxn/core';
import { projectPaths } from '@mxn/core';
import { baselineMismatch, resultsAtGitRef, type BaselineSubject } from '@mxn/engine';
import { inlineCode } from '@mxn/report';
import { git } from './git.js';

export interface Baseline {
  results: ExperimentResults;
  /** Readable origin, e.g. "`main` (base branch)". */
  label: string;
}

export interface BaselineOptions {
  /** The checkout. */
  cwd: string;
  /** What the baseline must be a run of: the experiment, its task and target. */
  current: BaselineSubject;
  /** Base branch of the pull request. */
  baseRef?: string;
  /** Default `origin`. */
  remote?: string;
  /** Default `results`. */
  resultsDir?: string;
}

/** The baseline to compare with (none on a first run), or a `note` for the log saying why the committed one is not used. */
export interface BaselineChoice {
  baseline?: Baseline;
  note?: string;
}

export async function readBaseline(options: BaselineOptions): Promise<BaselineChoice> {
  const { experiment } = options.current;
  const file = options.resultsDir ? `${options.resultsDir}/${experiment}/results.json` : `${projectPaths.results(experiment)}/results.json`;
  let found: { results: ExperimentResults; label: string; plain: string } | undefined;
  if (options.baseRef) {
    const fetched = await git(options.cwd, ['fetch', '--quiet', '--depth=1', options.remote ?? 'origin', options.baseRef], {
      check: false,
    });
    const committed = fetched.code === 0 ? await resultsAtGitRef(options.cwd, 'FETCH_HEAD', file) : undefined;
    if (committed && 'results' in committed)
      found = { results: committed.results, label: `${inlineCode(options.baseRef)} (base branch)`, plain: `${options.baseRef}:${file}` };
  }
  if (!found) {
    const previous = await resultsAtGitRef(options.cwd, 'HEAD', file);
    if ('results' in previous)
      found = {
        results: previous.results,
        label: 'the previous run on this branch (the base branch has no results yet)',
        plain: `HEAD:${file}`,
      };
  }
  if (!found) return {};
  const mismatch = baselineMismatch(found.results, options.current);
  if (mismatch) return { note: `not compared with ${found.plain}: it is ${mismatch}` };
  return { baseline: { results: found.results, label: found.label } };
}
