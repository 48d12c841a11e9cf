/**
 * Which branch a run may push its results to: the one rule, for the report step. A pull request
 * never gets results pushed to the repository's default branch, to its base branch, to any
 * branch of a fork, or to any branch of an untrusted one (see `trust.ts`); it gets the comment
 * only. A run started by hand (`workflow_dispatch`, which needs write access) or by a push
 * commits to its own branch, as docs/github.md says.
 */
import type { EventContext } from './event-context.js';

/** Where the results go: a branch, or the reason nothing is pushed (one line for the log). */
export type CommitTarget = { branch: string; refused?: undefined } | { branch?: undefined; refused: string };

/**
 * The branch to push results to for this event: `requested` (the action's `branch` input) or the
 * pull request's head branch, or the branch the run was started on; or why none may be.
 */
export function commitTarget(event: Pick<EventContext, 'pullRequest' | 'refName' | 'defaultBranch'>, requested?: string): CommitTarget {
  const pr = event.pullRequest;
  if (!pr) {
    const branch = requested || event.refName;
    return branch ? { branch } : { refused: 'the run names no branch to commit to' };
  }
  if (pr.fromFork) return { refused: 'the pull request comes from a fork, whose branches are never pushed to' };
  if (!pr.trusted) return { refused: 'the pull request is untrusted (its author has no write access), so nothing is pushed for it' };
  const branch = requested || pr.headRef;
  if (!event.defaultBranch)
    return { refused: 'the event names no default branch (repository.default_branch), so no branch is known to be safe' };
  if (branch === event.defaultBranch)
    return { refused: `${branch} is the repository's default branch, which a pull request never pushes results to` };
  if (branch === pr.baseRef) return { refused: `${branch} is the pull request's base branch, which it never pushes results to` };
  return { branch };
}
