// One hostile or broken experiment file in a pull request fails only its own plan: a YAML bomb, a
// file that does not parse and a file naming stores the repository does not allow each get their
// problems, and the other experiments are planned and commented on as usual.
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '@mxn/core';
import { describe, expect, it } from 'vitest';
import type { GitHubApi, IssueComment } from '../github-api.js';
import { planStep } from './plan-step.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

const good = (name: string, compute = 'concurrency: 1') => `name: ${name}
datasets:
  - { name: seoul, train: data/seoul.parquet }
models:
  - { name: ridge, image: example.org/ridge:1, command: [node, train.js], params: { alpha: [0.1, 1] } }
evaluation: { target: price, metrics: [rmse] }
compute: { ${compute} }
`;

function billionLaughs(): string {
  let text = 'name: bomb\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let level = 1; level < 9; level++) {
    const [name, previous] = [String.fromCharCode(97 + level), String.fromCharCode(96 + level)];
    text += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]\n`;
  }
  return text;
}

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

async function project(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'mxn-plan-hostile-'));
  await mkdir(path.join(root, 'experiments'));
  await mkdir(path.join(root, 'data'));
  await copyFile(path.join(repoRoot, 'data/housing/seoul.parquet'), path.join(root, 'data/seoul.parquet'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(root, 'experiments', name), text);
  return root;
}

describe('planStep with hostile experiment files', () => {
  it('plans the good experiments when another file is a YAML bomb or does not parse', async () => {
    const root = await project({ 'a-good.yaml': good('a-good'), 'b-bomb.yaml': billionLaughs(), 'c-broken.yaml': 'name: [\n' });
    const api = memoryApi();
    let backends = 0;
    const createBackend = async (): Promise<Backend> => {
      backends++;
      return { name: 'local' } as Backend;
    };
    const started = Date.now();
    const result = await planStep({
      root,
      experiments: ['experiments/a-good.yaml', 'experiments/b-bomb.yaml', 'experiments/c-broken.yaml'],
      createBackend,
      comment: { api, target: { owner: 'acme', repo: 'pricing', issue: 7 } },
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.runnable).toEqual(['experiments/a-good.yaml']);
    expect(result.experiments[0]).toMatchObject({ name: 'a-good', cells: 2, toRun: 2 });
    expect(backends).toBe(1);
    expect(result.experiments[1]!.problems).toEqual([
      {
        file: 'experiments/b-bomb.yaml',
        line: 1,
        column: 1,
        message: 'YAML: aliases expand more than 100 times (a resource-exhaustion pattern); write the values out',
      },
    ]);
    expect(result.experiments[2]!.problems![0]!.message).toMatch(/^YAML: /);
    expect(api.comments).toHaveLength(3);
  });

  it('refuses, for a fork, a file that names stores the repository does not allow, before any store or backend is reached', async () => {
    const root = await project({
      'a-good.yaml': good('a-good', 'staging: s3://mxn-stage/pr'),
      'b-elsewhere.yaml': good('b-elsewhere', 'cache: s3://someone-else/cache'),
    });
    const saved = { staging: process.env.MXN_STAGING, allowed: process.env.MXN_ALLOWED_LOCATIONS };
    process.env.MXN_STAGING = 's3://mxn-stage';
    delete process.env.MXN_ALLOWED_LOCATIONS;
    let backends = 0;
    try {
      const result = await planStep({
        root,
        experiments: ['experiments/a-good.yaml', 'experiments/b-elsewhere.yaml'],
        untrusted: true,
        createBackend: async () => {
          backends++;
          return { name: 'local' } as Backend;
        },
      });
      expect(result.runnable).toEqual(['experiments/a-good.yaml']);
      expect(result.experiments[1]!.problems).toEqual([
        expect.objectContaining({
          file: 'experiments/b-elsewhere.yaml',
          line: 7,
          message: expect.stringMatching(/^compute\.cache s3:\/\/someone-else\/cache is not a location this repository allows/),
        }),
      ]);
      expect(backends).toBe(1);
    } finally {
      for (const [name, value] of [
        ['MXN_STAGING', saved.staging],
        ['MXN_ALLOWED_LOCATIONS', saved.allowed],
      ] as const)
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
    }
  });
});
