/**
 * Commits `results/<name>/results.json` and `summary.md` to a branch and pushes them. The message
 * carries `[skip ci]` and the author is the Actions bot, so the push starts no new run. Results that
 * differ from the committed ones only in run times and ids are not committed (see `resultsChanged`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { projectPaths } from '@mxn/core';
import { git } from './git.js';
import { resultsChanged } from './results-changed.js';

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
  /**
   * Why nothing was pushed: `unchanged`, the files are as committed; `times-only`, the results differ
   * from the committed ones only in run times, ids and attempts; `branch-moved`, see `expectedHead`.
   */
  skipped?: 'unchanged' | 'times-only' | 'branch-moved';
}

export async function commitResults(options: CommitResultsOptions): Promise<CommitResult> {
  const dir = options.resultsDir ? `${options.resultsDir}/${options.experiment}` : projectPaths.results(options.experiment);
  const remote = options.remote ?? 'origin';
  const files = [`${dir}/results.json`, `${dir}/summary.md`];
  const same = await sameAsHead(options.cwd, files);
  if (same) return { committed: false, skipped: same };
  await git(options.cwd, ['add', '--', ...files]);
  const staged = await git(options.cwd, ['diff', '--cached', '--quiet', '--', ...files], { check: false });
  if (staged.code === 0) return { committed: false, skipped: 'unchanged' };
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

/**
 * Nothing to commit when HEAD holds both files and its results differ from the new ones only in
 * volatile fields: `unchanged` when the files are as committed, `times-only` when they are not.
 */
async function sameAsHead(cwd: string, files: string[]): Promise<'unchanged' | 'times-only' | undefined> {
  const atHead = await Promise.all(files.map((file) => git(cwd, ['show', `HEAD:./${file}`], { check: false })));
  if (atHead.some((file) => file.code !== 0)) return undefined;
  const current = await Promise.all(files.map((file) => readFile(path.join(cwd, file), 'utf8').catch(() => undefined)));
  if (current[0] === undefined || resultsChanged(atHead[0]!.stdout, current[0])) return undefined;
  return atHead.every((file, index) => file.stdout === current[index]) ? 'unchanged' : 'times-only';
}
