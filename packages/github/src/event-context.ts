/** What the actions need from the workflow run: the repository, and the pull request when there is one. */
import { readFileSync } from 'node:fs';
import { GitHubLoopError } from './errors.js';
import type { RepoRef } from './github-api.js';
import { isTrustedPullRequest } from './trust.js';

export interface PullRequestInfo {
  number: number;
  /** Branch to commit results to. */
  headRef: string;
  headSha: string;
  /** Branch whose committed results are the baseline. */
  baseRef: string;
  /** True when the head branch lives in another repository (a fork). */
  fromFork: boolean;
  /** `author_association` of the pull request (`OWNER`, `MEMBER`, `COLLABORATOR`, `CONTRIBUTOR`, `NONE`, …). */
  authorAssociation?: string;
  /** The pull request's author (`user.login`), whose repository permission the plan step checks. */
  author?: string;
  /** The author's repository permission, once read (`confirmWriteAccess`). */
  permission?: string;
  /** When the event last changed the pull request (`updated_at`: on `labeled`, the time of the label). */
  updatedAt?: string;
  /**
   * The trust policy's answer (`isTrustedPullRequest`, then `confirmWriteAccess` in the plan step):
   * false → plan only, runs need a maintainer's approval of the commit.
   */
  trusted: boolean;
}

export interface EventContext {
  repo: RepoRef;
  eventName: string;
  /** The event's activity type (`opened`, `synchronize`, `labeled`, …), when it has one. */
  action?: string;
  /** The label a `labeled` event added. */
  label?: string;
  pullRequest?: PullRequestInfo;
  /** Branch of a push or workflow_dispatch run. */
  refName?: string;
  /** The repository's default branch (`repository.default_branch` of the event payload). */
  defaultBranch?: string;
  /** Link to this workflow run, when known. */
  runUrl?: string;
}

/** Reads `GITHUB_REPOSITORY`, `GITHUB_EVENT_NAME`, `GITHUB_EVENT_PATH` (and the run id) as GitHub sets them. */
export function readEventContext(env: NodeJS.ProcessEnv = process.env): EventContext {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo)
    throw new GitHubLoopError('Event', 'GITHUB_REPOSITORY is not set (owner/repo)', {
      hint: 'run the action in a GitHub Actions workflow, or set GITHUB_REPOSITORY=owner/repo (and GITHUB_EVENT_PATH) to try it elsewhere',
    });
  const eventName = env.GITHUB_EVENT_NAME ?? 'workflow_dispatch';
  let payload: {
    action?: string;
    label?: { name?: string };
    pull_request?: {
      number: number;
      author_association?: string;
      user?: { login?: string } | null;
      updated_at?: string;
      head: { ref: string; sha: string; repo?: { full_name: string } | null };
      base: { ref: string; repo?: { full_name: string } };
    };
    repository?: { default_branch?: string };
  } = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as typeof payload;
    } catch (error) {
      throw new GitHubLoopError('Event', `cannot read the event payload ${env.GITHUB_EVENT_PATH}`, { cause: error });
    }
  }
  const pr = payload.pull_request;
  const origin = pr && {
    fromFork: (pr.head.repo?.full_name ?? '') !== `${owner}/${repo}`,
    ...(pr.author_association ? { authorAssociation: pr.author_association } : {}),
  };
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  return {
    repo: { owner, repo },
    eventName,
    ...(payload.action ? { action: payload.action } : {}),
    ...(payload.label?.name ? { label: payload.label.name } : {}),
    ...(pr
      ? {
          pullRequest: {
            number: pr.number,
            headRef: pr.head.ref,
            headSha: pr.head.sha,
            baseRef: pr.base.ref,
            ...(pr.user?.login ? { author: pr.user.login } : {}),
            ...(pr.updated_at ? { updatedAt: pr.updated_at } : {}),
            ...origin!,
            // `pull_request_target` is the approval path of the workflow: whoever the author, never trusted there
            trusted: eventName !== 'pull_request_target' && isTrustedPullRequest(origin!),
          },
        }
      : {}),
    ...(env.GITHUB_REF_NAME ? { refName: env.GITHUB_REF_NAME } : {}),
    ...(payload.repository?.default_branch ? { defaultBranch: payload.repository.default_branch } : {}),
    ...(env.GITHUB_RUN_ID ? { runUrl: `${server}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID}` } : {}),
  };
}
