// A plan job without cloud credentials (a fork's, or one without the OIDC variables): the datasets
// and the cache in S3 cannot be reached. The plan keeps the file/line checks, skips the data and
// cache checks with a note in the comment, and does not turn the unreachable store into a problem.
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '@mxn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHubApi, IssueComment } from '../github-api.js';
import { PLAN_MARKS } from '../comments/plan-comment.js';
import { planStep } from './plan-step.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

const experiment = (name: string, extra: { target?: string; cache?: string; train?: string } = {}) => `name: ${name}
datasets:
  - { name: seoul, train: ${extra.train ?? 's3://mxn-data/housing/seoul.parquet'} }
  - { name: busan, train: data/housing/busan.parquet }
models:
  - { name: ridge, build: models/ridge, command: [node, train.js], params: { alpha: [0.1, 1] } }
evaluation: { ${extra.target ?? 'target'}: price, metrics: [rmse] }
compute: { concurrency: 1, retries: 0, timeout: 2m${extra.cache ? `, cache: '${extra.cache}'` : ''} }
`;

/** A GitHub API that keeps the comments in memory. */
function memoryApi(): GitHubApi & { comments: IssueComment[] } {
  const comments: IssueComment[] = [];
  return {
    author: 'github-actions[bot]',
    comments,
    listComments: async () => comments,
    createComment: async (_repo, _issue, body) => {
      const comment = { id: comments.length + 1, body, user: { login: 'github-actions[bot]' } } as IssueComment;
      comments.push(comment);
      return comment;
    },
    updateComment: async (_repo, id, body) => {
      const comment = comments.find((item) => item.id === id)!;
      comment.body = body;
      return comment;
    },
    listPullFiles: async () => [],
    permissionOf: async () => ({ permission: 'admin', roleName: 'admin' }),
  };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const AWS_VARS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_REGION',
  'AWS_EC2_METADATA_DISABLED',
  'MXN_STAGING',
];

describe('planStep without cloud credentials', () => {
  let root: string;
  const saved = Object.fromEntries(AWS_VARS.map((name) => [name, process.env[name]]));
  const local = async (): Promise<Backend> => ({ name: 'local' }) as Backend;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'mxn-plan-no-cloud-'));
    for (const link of ['models', 'data', 'node_modules']) await symlink(path.join(repoRoot, link), path.join(root, link));
    await mkdir(path.join(root, 'experiments'));
    for (const name of AWS_VARS) delete process.env[name];
    // no credentials anywhere (no instance metadata either), and S3 at a closed loopback port
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_ENDPOINT_URL_S3 = `http://127.0.0.1:${await closedPort()}`;
  });

  afterAll(() => {
    for (const [name, value] of Object.entries(saved))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  });

  it('posts the matrix with a note instead of a problem when an s3:// dataset cannot be reached', async () => {
    await writeFile(path.join(root, 'experiments/s3-data.yaml'), experiment('s3-data'));
    const api = memoryApi();
    const logs: string[] = [];
    const result = await planStep({
      root,
      experiments: ['experiments/s3-data.yaml'],
      createBackend: local,
      comment: { api, target: { owner: 'acme', repo: 'pricing', issue: 7 } },
      log: (line) => logs.push(line),
    });
    expect(result.problems).toBe(0);
    expect(result.runnable).toEqual(['experiments/s3-data.yaml']);
    expect(result.experiments[0]).toMatchObject({ cells: 4, toRun: 4 });
    expect(result.experiments[0]!.runId).toBeUndefined();
    expect(result.experiments[0]!.unchecked).toContain('s3://mxn-data/housing/seoul.parquet');
    expect(api.comments).toHaveLength(1);
    const body = api.comments[0]!.body;
    expect(body).toContain('**2 × 2 = 4 cells** from `experiments/s3-data.yaml`: cache not checked');
    expect(body).toMatch(
      new RegExp(
        /\n_Datasets and cache not checked: no cloud credentials in this job, or /.source +
          /`s3:\/\/mxn-data\/housing\/seoul\.parquet` cannot be reached from it \([^\n]+\)\. The run job checks them\._\n/.source,
      ),
    );
    expect(body).toContain(`| ridge\\[alpha=0.1\\] | ${PLAN_MARKS.unchecked} | ${PLAN_MARKS.unchecked} |`);
    expect(body).not.toContain('has 1 problem');
    expect(logs.join('\n')).toMatch(/datasets and cache not checked: s3:\/\/mxn-data\/housing\/seoul\.parquet cannot be reached/);
  });

  it('still reports a real problem in the file, at its line', async () => {
    await writeFile(path.join(root, 'experiments/s3-bad.yaml'), experiment('s3-bad', { target: 'targt' }));
    const api = memoryApi();
    const result = await planStep({
      root,
      experiments: ['experiments/s3-bad.yaml'],
      createBackend: local,
      comment: { api, target: { owner: 'acme', repo: 'pricing', issue: 7 } },
    });
    expect(result.runnable).toEqual([]);
    expect(result.problems).toBeGreaterThan(0);
    expect(result.experiments[0]!.unchecked).toBeUndefined();
    expect(result.experiments[0]!.problems!.some((issue) => issue.line === 7 && /targt/.test(issue.message))).toBe(true);
    expect(api.comments[0]!.body).toContain('nothing will run until they are fixed');
  });

  it('plans with the local data but without cache marks when only the s3:// cache cannot be reached', async () => {
    await writeFile(
      path.join(root, 'experiments/s3-cache.yaml'),
      experiment('s3-cache', { train: 'data/housing/seoul.parquet', cache: 's3://mxn-cache/cells' }),
    );
    const api = memoryApi();
    const result = await planStep({
      root,
      experiments: ['experiments/s3-cache.yaml'],
      createBackend: local,
      comment: { api, target: { owner: 'acme', repo: 'pricing', issue: 7 } },
    });
    expect(result.problems).toBe(0);
    expect(result.experiments[0]!.runId).toMatch(/^s3-cache-[0-9a-f]{12}$/);
    expect(result.experiments[0]!.unchecked).toMatch(/^_Cache not checked: .*`s3:\/\/mxn-cache\/cells`/);
    expect(api.comments[0]!.body).toContain(`· run \`${result.experiments[0]!.runId}\``);
    expect(api.comments[0]!.body).toContain('cache not checked');
  });
});
