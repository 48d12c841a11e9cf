/**
 * A loopback fake of the few GitHub REST endpoints mxn's actions call: issue comments (list with
 * Link-header pagination, create, update), a pull request's changed files and a user's permission
 * on the repository. It checks the token,
 * answers with GitHub's error shapes (401, 404, 422 with `errors`), and records every request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: 'Bot' | 'User' };
  created_at: string;
  updated_at: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
}

export interface GitHubFake {
  /** Base URL for `GITHUB_API_URL`. */
  url: string;
  /** Every request, in order. */
  requests: RecordedRequest[];
  /** Comments of an issue or pull request (`owner/repo`, number). */
  comments(repo: string, issue: number): FakeComment[];
  /** Adds a comment as another user (e.g. a reviewer), so tests can check it is left alone. */
  addComment(repo: string, issue: number, body: string, login?: string): FakeComment;
  /**
   * Sets a user's role on a repository (what `GET /collaborators/{user}/permission` answers, as GitHub does:
   * `permission` is the legacy level, maintain → write and triage → read; `role_name` the role). Unset → `none`.
   */
  setPermission(repo: string, login: string, role: RepositoryRole): void;
  /** Sets the files a pull request changes (what `GET /pulls/{n}/files` lists). */
  setPullFiles(repo: string, pull: number, files: string[]): void;
  stop(): Promise<void>;
}

/** A repository role as `role_name` names it (custom roles aside). */
export type RepositoryRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

const LEGACY_PERMISSION: Record<RepositoryRole, 'admin' | 'write' | 'read' | 'none'> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none',
};

export interface StartGitHubFakeOptions {
  /** The token requests must carry. Default `test-token`. */
  token?: string;
  /** Login of the token's user (the bot). Default `github-actions[bot]`. */
  login?: string;
  /** Repositories that exist (`owner/repo`); others answer 404. Default: any. */
  repos?: string[];
}

/** GitHub's comment body limit. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export async function startGitHubFake(options: StartGitHubFakeOptions = {}): Promise<GitHubFake> {
  const token = options.token ?? 'test-token';
  const login = options.login ?? 'github-actions[bot]';
  const comments = new Map<string, FakeComment[]>();
  const pullFiles = new Map<string, string[]>();
  const roles = new Map<string, RepositoryRole>();
  const requests: RecordedRequest[] = [];
  let nextId = 1000;
  let clock = Date.parse('2025-01-01T00:00:00Z');
  const now = () => {
    clock += 1000;
    return new Date(clock).toISOString();
  };
  const list = (repo: string, issue: number) => {
    const key = `${repo}#${issue}`;
    if (!comments.has(key)) comments.set(key, []);
    return comments.get(key)!;
  };
  const make = (body: string, user: string): FakeComment => {
    const at = now();
    return { id: nextId++, body, user: { login: user, type: user.endsWith('[bot]') ? 'Bot' : 'User' }, created_at: at, updated_at: at };
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => send(response, 500, { message: error.message }));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    let text = '';
    for await (const chunk of request) text += chunk;
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        return send(response, 400, { message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/rest' });
      }
    }
    requests.push({
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(body === undefined ? {} : { body }),
    });
    const auth = request.headers.authorization ?? '';
    if (auth !== `token ${token}` && auth !== `Bearer ${token}`)
      return send(response, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });

    const match = url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/(.+)$/);
    const repo = match ? `${match[1]}/${match[2]}` : '';
    if (!match || (options.repos && !options.repos.includes(repo))) return notFound(response);
    const rest = match[3]!;
    const method = request.method ?? 'GET';

    let found = rest.match(/^issues\/(\d+)\/comments$/);
    if (found && method === 'GET') return paginate(request, response, url, list(repo, Number(found[1])));
    if (found && method === 'POST') {
      const invalid = checkBody(body);
      if (invalid) return send(response, 422, invalid);
      const comment = make((body as { body: string }).body, login);
      list(repo, Number(found[1])).push(comment);
      return send(response, 201, comment);
    }
    found = rest.match(/^issues\/comments\/(\d+)$/);
    if (found && method === 'PATCH') {
      const comment = [...comments.values()].flat().find((item) => item.id === Number(found![1]));
      if (!comment) return notFound(response);
      const invalid = checkBody(body);
      if (invalid) return send(response, 422, invalid);
      comment.body = (body as { body: string }).body;
      comment.updated_at = now();
      return send(response, 200, comment);
    }
    found = rest.match(/^collaborators\/([^/]+)\/permission$/);
    if (found && method === 'GET') {
      const user = decodeURIComponent(found[1]!);
      const role = roles.get(`${repo}@${user}`) ?? 'none';
      return send(response, 200, {
        permission: LEGACY_PERMISSION[role],
        role_name: role,
        user: {
          login: user,
          type: 'User',
          permissions: { admin: role === 'admin', push: role !== 'read' && role !== 'triage' && role !== 'none', pull: role !== 'none' },
        },
      });
    }
    found = rest.match(/^pulls\/(\d+)\/files$/);
    if (found && method === 'GET') {
      const files = pullFiles.get(`${repo}#${found[1]}`);
      if (!files) return notFound(response);
      return paginate(
        request,
        response,
        url,
        files.map((filename) => ({ filename, status: 'modified' })),
      );
    }
    return notFound(response);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    comments: (repo, issue) => list(repo, issue),
    addComment: (repo, issue, body, user = 'octocat') => {
      const comment = make(body, user);
      list(repo, issue).push(comment);
      return comment;
    },
    setPermission: (repo, login, role) => void roles.set(`${repo}@${login}`, role),
    setPullFiles: (repo, pull, files) => void pullFiles.set(`${repo}#${pull}`, files),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function checkBody(body: unknown): object | undefined {
  const text = (body as { body?: unknown } | undefined)?.body;
  if (typeof text !== 'string' || text.length === 0) return validation('missing_field', 'body');
  if (text.length > GITHUB_COMMENT_LIMIT)
    return {
      ...validation('custom', 'body'),
      errors: [
        {
          resource: 'IssueComment',
          code: 'custom',
          field: 'body',
          message: `body is too long (maximum is ${GITHUB_COMMENT_LIMIT} characters)`,
        },
      ],
    };
  return undefined;
}

function validation(code: string, field: string): object {
  return {
    message: 'Validation Failed',
    errors: [{ resource: 'IssueComment', code, field }],
    documentation_url: 'https://docs.github.com/rest/issues/comments',
    status: '422',
  };
}

/** `per_page` (default 30, at most 100) and `page`, with a `Link` header as GitHub sends it. */
function paginate(request: IncomingMessage, response: ServerResponse, url: URL, items: unknown[]): void {
  const perPage = Math.min(Math.max(Number(url.searchParams.get('per_page') ?? 30) || 30, 1), 100);
  const page = Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (target: number, rel: string) => {
    const next = new URL(url.href.replace('http://fake', `http://${request.headers.host}`));
    next.searchParams.set('per_page', String(perPage));
    next.searchParams.set('page', String(target));
    return `<${next.href}>; rel="${rel}"`;
  };
  const links = [
    ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
    ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : []),
  ];
  send(response, 200, items.slice((page - 1) * perPage, page * perPage), links.length ? { link: links.join(', ') } : {});
}

function notFound(response: ServerResponse): void {
  send(response, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'x-github-media-type': 'github.v3; format=json',
    ...headers,
  });
  response.end(JSON.stringify(body));
}
