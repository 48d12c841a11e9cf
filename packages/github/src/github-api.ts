/**
 * The few GitHub REST calls mxn makes, behind a small interface (an Octokit from @actions/github
 * by default, so `GITHUB_API_URL` and pagination behave as on GitHub).
 */
import { getOctokit } from '@actions/github';
import { GitHubLoopError } from './errors.js';

export interface IssueComment {
  id: number;
  body: string;
  user?: { login: string } | null;
  /** When the comment was last edited (ISO 8601), when the API said. */
  updatedAt?: string;
}

/** A user's access to a repository, as `GET /repos/{owner}/{repo}/collaborators/{username}/permission` answers. */
export interface RepositoryPermission {
  /** The legacy level: `admin`, `write` (maintain too), `read` (triage too) or `none`. */
  permission: string;
  /** The role: `admin`, `maintain`, `write`, `triage`, `read`, or a custom role's name. */
  roleName?: string;
}

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface GitHubApi {
  /**
   * The login the token writes comments as: `github-actions[bot]` for the workflow's token, or
   * `<app-slug>[bot]` for a GitHub App's. Only comments by it are ever taken for mxn's own.
   */
  readonly author: string;
  listComments(repo: RepoRef, issue: number): Promise<IssueComment[]>;
  createComment(repo: RepoRef, issue: number, body: string): Promise<IssueComment>;
  updateComment(repo: RepoRef, id: number, body: string): Promise<IssueComment>;
  listPullFiles(repo: RepoRef, pull: number): Promise<string[]>;
  permissionOf(repo: RepoRef, username: string): Promise<RepositoryPermission>;
}

export interface GitHubApiOptions {
  token: string;
  /** Default: `GITHUB_API_URL`, else https://api.github.com. */
  baseUrl?: string;
  /** The login the token writes comments as. Default (also when empty) `github-actions[bot]` (the workflow's `GITHUB_TOKEN`). */
  author?: string;
}

export function githubApi(options: GitHubApiOptions): GitHubApi {
  if (!options.token) throw new GitHubLoopError('Usage', 'no GitHub token', { hint: 'pass `token: ${{ github.token }}` to the action' });
  const octokit = getOctokit(options.token, {
    baseUrl: options.baseUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com',
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const call = async <T>(what: string, request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (error) {
      const status = (error as { status?: number }).status;
      const hint =
        status === 403 || status === 401
          ? 'the workflow needs `permissions: pull-requests: write` (fork pull requests get a read-only token)'
          : undefined;
      throw new GitHubLoopError('Api', `${what} failed${status ? ` (HTTP ${status})` : ''}: ${(error as Error).message}`, {
        cause: error,
        ...(hint ? { hint } : {}),
      });
    }
  };
  return {
    author: options.author || 'github-actions[bot]',
    listComments: (repo, issue) =>
      call('listing comments', () =>
        octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number: issue, per_page: 100 }),
      ).then((items) => items.map(plain)),
    createComment: (repo, issue, body) =>
      call('creating a comment', async () => (await octokit.rest.issues.createComment({ ...repo, issue_number: issue, body })).data).then(
        plain,
      ),
    updateComment: (repo, id, body) =>
      call('updating a comment', async () => (await octokit.rest.issues.updateComment({ ...repo, comment_id: id, body })).data).then(plain),
    listPullFiles: (repo, pull) =>
      call('listing the pull request files', () =>
        octokit.paginate(octokit.rest.pulls.listFiles, { ...repo, pull_number: pull, per_page: 100 }),
      ).then((files) => files.map((file) => file.filename)),
    permissionOf: (repo, username) =>
      call('reading the author’s repository permission', async () => {
        const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
        return { permission: data.permission, ...(data.role_name ? { roleName: data.role_name } : {}) };
      }),
  };
}

function plain(item: { id: number; body?: string | null; user?: { login: string } | null; updated_at?: string }): IssueComment {
  return {
    id: item.id,
    body: item.body ?? '',
    user: item.user ? { login: item.user.login } : null,
    ...(item.updated_at ? { updatedAt: item.updated_at } : {}),
  };
}
