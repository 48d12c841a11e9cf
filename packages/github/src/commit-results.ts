/**
 * Commits `results/<name>/results.json` and `summary.md` to a branch and pushes them. The message
 * carries `[skip ci]` and the author is the Actions bot, so the push starts no new run.
 */
import { projectPaths } from '@mxn/core';
import { git } from './git.js';

export const BOT_NAME = 'github-actions[bot]';
export const BOT_EMAIL = '41898282+github-actions[bot]@users.noreply.github.com';

export interface CommitResultsOptions {
  /** The checkout (on the branch, not a detached merge commit). */
  cwd: string;
  experiment: string;
  /** Branch to push to. */
  branch: string;
  /** Default `origin`. */
  remote?: string;
  /** Default `results`. */
  resultsDir?: string;
  /** Short facts for the message, e.g. "6 succeeded, 3 cached". */
  summary?: string;
  /**
   * The commit the results were computed from (the pull request's head sha the run checked out).
   * When given, the push goes through only while the branch still points at it; if the branch has
   * moved (a newer push, whose own run reports for it), nothing is pushed and `skipped` says why.
   * Without it, a moved branch gets the results commit rebased on top.
   */
  expectedHead?: string;
}

export interface CommitResult {
  committed: boolean;
  sha?: string;
  message?: string;
  /** Why nothing was pushed although the results changed. */
  skipped?: 'branch-moved';
}

export async function commitResults(options: CommitResultsOptions): Promise<CommitResult> {
  const dir = options.resultsDir ? `${options.resultsDir}/${options.experiment}` : projectPaths.results(options.experiment);
  const remote = options.remote ?? 'origin';
  const files = [`${dir}/results.json`, `${dir}/summary.md`];
  await git(options.cwd, ['add', '--', ...files]);
  const staged = await git(options.cwd, ['diff', '--cached', '--quiet', '--', ...files], { check: false });
  if (staged.code === 0) return { committed: false };
  const message = `mxn: results of ${options.experiment}${options.summary ? ` (${options.summary})` : ''} [skip ci]`;
  await git(options.cwd, [
    '-c',
    `user.name=${BOT_NAME}`,
    '-c',
    `user.email=${BOT_EMAIL}`,
    'commit',
    '--quiet',
    '--no-verify',
    '-m',
    message,
    '--',
    ...files,
  ]);
  if (options.expectedHead) {
    const lease = `--force-with-lease=refs/heads/${options.branch}:${options.expectedHead}`;
    const pushed = await git(options.cwd, ['push', '--quiet', lease, remote, `HEAD:refs/heads/${options.branch}`], { check: false });
    if (pushed.code !== 0) return { committed: false, message, skipped: 'branch-moved' };
    return { committed: true, sha: (await git(options.cwd, ['rev-parse', 'HEAD'])).stdout.trim(), message };
  }
  const push = () => git(options.cwd, ['push', '--quiet', remote, `HEAD:refs/heads/${options.branch}`], { check: false });
  let pushed = await push();
  if (pushed.code !== 0) {
    // Someone pushed meanwhile: put the results commit on top and try once more.
    await git(options.cwd, [
      '-c',
      `user.name=${BOT_NAME}`,
      '-c',
      `user.email=${BOT_EMAIL}`,
      'pull',
      '--quiet',
      '--rebase',
      remote,
      options.branch,
    ]);
    pushed = await push();
    if (pushed.code !== 0) await git(options.cwd, ['push', remote, `HEAD:refs/heads/${options.branch}`]);
  }
  const sha = (await git(options.cwd, ['rev-parse', 'HEAD'])).stdout.trim();
  return { committed: true, sha, message };
}
