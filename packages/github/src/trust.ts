/**
 * Who may start cloud spending: the one trust policy of the GitHub loop. A pull request is trusted
 * when its head branch is in this repository and its author is an owner, member or collaborator of
 * it (`author_association`). Anything else (a fork, or a same-repository pull request by someone
 * without write access) is planned only, and runs after a maintainer approves its exact commit.
 * The workflow's job conditions spell the same list; `actions/workflows.test.ts` keeps them equal.
 */

/** The `author_association` values of authors the repository trusts. */
export const TRUSTED_ASSOCIATIONS = ['OWNER', 'MEMBER', 'COLLABORATOR'] as const;

export interface PullRequestOrigin {
  /** The head branch lives in another repository. */
  fromFork: boolean;
  /** `author_association` of the pull request (e.g. `CONTRIBUTOR`, `NONE`); missing → not trusted. */
  authorAssociation?: string;
}

/** True when the pull request's code may run without a maintainer's approval of its commit. */
export function isTrustedPullRequest(pr: PullRequestOrigin): boolean {
  return !pr.fromFork && (TRUSTED_ASSOCIATIONS as readonly string[]).includes(pr.authorAssociation ?? '');
}

/** Why a pull request is not trusted, for the plan comment and the log. */
export function untrustedReason(pr: PullRequestOrigin): string {
  return pr.fromFork ? 'From a fork' : `By an author without write access (\`${pr.authorAssociation ?? 'unknown'}\`)`;
}
