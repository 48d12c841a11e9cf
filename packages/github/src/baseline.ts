/**
 * The baseline a run is compared with: `results/<name>/results.json` as committed on the base
 * branch; when the base has none yet, the one committed on this branch by the previous run.
 */
import type { ExperimentResults } from '@mxn/core';
import { projectPaths, RESULTS_VERSION } from '@mxn/core';
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
  experiment: string;
  /** Base branch of the pull request. */
  baseRef?: string;
  /** Default `origin`. */
  remote?: string;
  /** Default `results`. */
  resultsDir?: string;
}

export async function readBaseline(options: BaselineOptions): Promise<Baseline | undefined> {
  const dir = options.resultsDir ? `${options.resultsDir}/${options.experiment}` : projectPaths.results(options.experiment);
  const file = `${dir}/results.json`;
  if (options.baseRef) {
    const fetched = await git(options.cwd, ['fetch', '--quiet', '--depth=1', options.remote ?? 'origin', options.baseRef], {
      check: false,
    });
    if (fetched.code === 0) {
      const results = await show(options.cwd, `FETCH_HEAD:${file}`);
      if (results) return { results, label: `${inlineCode(options.baseRef)} (base branch)` };
    }
  }
  const previous = await show(options.cwd, `HEAD:${file}`);
  return previous ? { results: previous, label: 'the previous run on this branch (the base branch has no results yet)' } : undefined;
}

async function show(cwd: string, spec: string): Promise<ExperimentResults | undefined> {
  const shown = await git(cwd, ['show', spec], { check: false });
  if (shown.code !== 0) return undefined;
  try {
    const parsed = JSON.parse(shown.stdout) as ExperimentResults;
    return parsed.version === RESULTS_VERSION && Array.isArray(parsed.cells) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
