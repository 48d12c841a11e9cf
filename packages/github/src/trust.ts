/**
 * Who may start cloud spending: the one trust policy of the GitHub loop. A pull request is trusted
 * when its head branch is in this repository and its author is an owner, member or collaborator of
 * it (`author_association`), and the plan step then confirms the author has write access
 * (`COLLABORATOR` includes read-only collaborators, `MEMBER` any member of the organisation).
 * Anything else (a fork, or a same-repository pull request by someone without write access) is
 * planned only, and runs after a maintainer approves its exact commit. The workflow's job
 * conditions spell the same list; `actions/workflows.test.ts` keeps them equal.
 */
import type { EventContext, PullRequestInfo } from './event-context.js';
import type { GitHubApi, RepositoryPermission } from './github-api.js';

/** The `author_association` values of authors the repository trusts. */
export const TRUSTED_ASSOCIATIONS = ['OWNER', 'MEMBER', 'COLLABORATOR'] as const;

export interface PullRequestOrigin {
  /** The head branch lives in another repository. */
  fromFork: boolean;
  /** `author_association` of the pull request (e.g. `CONTRIBUTOR`, `NONE`); missing → not trusted. */
  authorAssociation?: string;
  /** The author's repository permission, once the plan step has read it (`confirmWriteAccess`). */
  permission?: string;
}

/** True when the pull request's code may run without a maintainer's approval of its commit. */
export function isTrustedPullRequest(pr: PullRequestOrigin): boolean {
  return !pr.fromFork && (TRUSTED_ASSOCIATIONS as readonly string[]).includes(pr.authorAssociation ?? '');
}

/** Why a pull request is not trusted, for the plan comment and the log. */
export function untrustedReason(pr: PullRequestOrigin): string {
  if (pr.fromFork) return 'From a fork';
  return `By an author without write access (\`${pr.permission ? `permission ${pr.permission}` : (pr.authorAssociation ?? 'unknown')}\`)`;
}

/** The roles (`role_name`) and legacy levels (`permission`: maintain reads as write) that may start cloud spending. */
const WRITE_ROLES = new Set(['admin', 'maintain', 'write']);
const WRITE_PERMISSIONS = new Set(['admin', 'write']);

/** True for admin, maintain and write (a custom role counts by its base level); triage, read and none are not. */
function hasWriteAccess(access: RepositoryPermission): boolean {
  return WRITE_PERMISSIONS.has(access.permission) || WRITE_ROLES.has(access.roleName ?? '');
}

/**
 * The event with its pull request's trust confirmed: one the association trusts stays trusted only
 * when its author has write access (`GET /repos/{owner}/{repo}/collaborators/{username}/permission`);
 * an author the event does not name, or no API to ask, is not trusted.
 */
export async function confirmWriteAccess(
  context: EventContext,
  api: GitHubApi | undefined,
  log?: (line: string) => void,
): Promise<EventContext> {
  const pr = context.pullRequest;
  if (!pr?.trusted) return context;
  const access = api && pr.author ? await api.permissionOf(context.repo, pr.author) : { permission: 'unknown' };
  const trusted = hasWriteAccess(access);
  const role = access.roleName && access.roleName !== access.permission ? ` (role ${access.roleName})` : '';
  const author = pr.author ?? '(not named by the event)';
  log?.(`the author ${author} has permission ${access.permission}${role}: ${trusted ? 'trusted' : 'planned only'}`);
  const confirmed: PullRequestInfo = { ...pr, trusted, permission: access.permission };
  return { ...context, pullRequest: confirmed };
}
