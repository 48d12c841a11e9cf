/**
 * A results file as committed at a git ref (`git show <ref>:<path>`): the one reader of committed
 * results, for `--baseline <git ref>` and for the GitHub steps' base-branch baseline. It reads; it
 * never fetches or changes the checkout.
 */
import { execFile } from 'node:child_process';
import { RESULTS_VERSION, type ExperimentResults } from '@mxn/core';

/** The results at the ref, or why there are none there (one line, e.g. `main has no results/a/results.json`). */
export type ResultsAtRef = { results: ExperimentResults; path: string } | { missing: string };

/**
 * `file` (relative to `cwd`) as committed at `ref` in the repository `cwd` is in, read as an mxn
 * results file. Nothing there (no repository, no such ref, no such file, not a results file of this
 * version) is `{ missing }` with the reason.
 */
export async function resultsAtGitRef(cwd: string, ref: string, file: string): Promise<ResultsAtRef> {
  // a ref is never an option of git's
  if (ref.startsWith('-')) return { missing: `${ref} is not a git ref` };
  const prefix = await git(cwd, ['rev-parse', '--show-prefix']);
  if (prefix.code !== 0) return { missing: `${cwd} is not in a git repository` };
  const commit = await git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (commit.code !== 0) return { missing: `${ref} is not a git ref of ${cwd}'s repository` };
  const inRepo = `${prefix.stdout.trim()}${file.split(/[\\/]+/).join('/')}`;
  const shown = await git(cwd, ['show', `${commit.stdout.trim()}:${inRepo}`]);
  if (shown.code !== 0) return { missing: `${ref} has no ${inRepo}` };
  try {
    const parsed = JSON.parse(shown.stdout) as ExperimentResults;
    if (parsed?.version === RESULTS_VERSION && Array.isArray(parsed.cells)) return { results: parsed, path: inRepo };
  } catch {
    // not JSON: said below
  }
  return { missing: `${inRepo} at ${ref} is not an mxn results file of version ${RESULTS_VERSION}` };
}

function git(cwd: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (error, stdout) =>
      resolve({ code: error ? 1 : 0, stdout }),
    );
  });
}
