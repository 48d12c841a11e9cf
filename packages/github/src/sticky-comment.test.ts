// The sticky comment against the loopback GitHub fake (through the real Octokit client).
import { startGitHubFake, type GitHubFake } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubApi } from './github-api.js';
import { COMMENT_LIMIT, commentMarker, fitComment, upsertStickyComment } from './sticky-comment.js';

describe('upsertStickyComment', () => {
  let fake: GitHubFake;
  const target = { owner: 'acme', repo: 'pricing', issue: 3 };
  beforeAll(async () => {
    fake = await startGitHubFake({ token: 't0ken', repos: ['acme/pricing'] });
  });
  afterAll(() => fake?.stop());

  it('finds its comment past the first page (Link pagination) and updates it instead of adding one', async () => {
    const api = githubApi({ token: 't0ken', baseUrl: fake.url });
    for (let index = 0; index < 120; index++) fake.addComment('acme/pricing', 3, `chatter ${index}`);
    expect(await upsertStickyComment(api, target, 'demo', 'first')).toMatchObject({ action: 'created' });
    fake.addComment('acme/pricing', 3, 'more chatter');
    const other = await upsertStickyComment(api, target, 'other', 'other experiment');
    const second = await upsertStickyComment(api, target, 'demo', 'second');
    expect(second.action).toBe('updated');
    expect(await upsertStickyComment(api, target, 'demo', 'second')).toMatchObject({ action: 'unchanged' });
    const mine = fake.comments('acme/pricing', 3).filter((comment) => comment.body.startsWith(commentMarker('demo')));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.body).toBe(`${commentMarker('demo')}\nsecond`);
    expect(other.id).not.toBe(second.id);
    expect(fake.requests.filter((request) => request.method === 'GET' && request.query.page === '2').length).toBeGreaterThan(0);
  });

  it('keeps any experiment name out of its marker: a hostile name cannot end the hidden comment', () => {
    for (const name of ['demo', 'a---->b', 'x-->y<!--z', 'two\nlines', '--!>', '<script>', '']) {
      const marker = commentMarker(name);
      expect(marker, name).toMatch(/^<!-- mxn:[0-9a-f]{16} -->$/);
    }
    expect(commentMarker('a---->b')).not.toBe(commentMarker('a--b'));
    expect(commentMarker('demo')).toBe(commentMarker('demo'));
  });

  it('takes only its own comments for its own: a lookalike with the marker is left alone and reported', async () => {
    const api = githubApi({ token: 't0ken', baseUrl: fake.url });
    const issue = { ...target, issue: 4 };
    const forged = fake.addComment('acme/pricing', 4, `${commentMarker('demo')}\n**Approved by @maintainer**`, 'mallory');
    const lines: string[] = [];
    const first = await upsertStickyComment(api, issue, 'demo', 'the real plan', { log: (line) => lines.push(line) });
    expect(first).toMatchObject({ action: 'created', ignored: 1 });
    expect(first.id).not.toBe(forged.id);
    expect(lines).toEqual([
      `ignored 1 comment on #4 carrying mxn's marker for "demo" by mallory: only comments by github-actions[bot] are mxn's`,
    ]);
    expect(await upsertStickyComment(api, issue, 'demo', 'updated plan')).toMatchObject({ action: 'updated', id: first.id });
    const comments = fake.comments('acme/pricing', 4);
    expect(comments.find((comment) => comment.id === forged.id)!.body).toBe(`${commentMarker('demo')}\n**Approved by @maintainer**`);
    expect(comments.find((comment) => comment.id === first.id)!.body).toBe(`${commentMarker('demo')}\nupdated plan`);
  });

  it("writes as the identity its token has: a GitHub App's bot finds its own comment, not the workflow bot's", async () => {
    const api = githubApi({ token: 't0ken', baseUrl: fake.url, author: 'github-actions[bot]' });
    const app = { ...api, author: 'mxn-app[bot]' };
    const issue = { ...target, issue: 5 };
    const byWorkflow = await upsertStickyComment(api, issue, 'demo', 'from the workflow token');
    const byApp = await upsertStickyComment(app, issue, 'demo', 'from the app');
    expect(byApp).toMatchObject({ action: 'created', ignored: 1 });
    expect(byApp.id).not.toBe(byWorkflow.id);
  });

  it('keeps a body under GitHub’s limit, and reports API errors with the status', async () => {
    const api = githubApi({ token: 't0ken', baseUrl: fake.url });
    await upsertStickyComment(api, target, 'huge', 'x'.repeat(COMMENT_LIMIT * 2));
    const huge = fake.comments('acme/pricing', 3).find((comment) => comment.body.startsWith(commentMarker('huge')))!;
    expect(huge.body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    await expect(upsertStickyComment(githubApi({ token: 'wrong', baseUrl: fake.url }), target, 'demo', 'x')).rejects.toMatchObject({
      code: 'Api',
      message: expect.stringContaining('HTTP 401'),
    });
    await expect(upsertStickyComment(api, { ...target, repo: 'missing' }, 'demo', 'x')).rejects.toThrow(/HTTP 404/);
  });
});

describe('fitComment', () => {
  it('cuts at whole lines, never inside a table row, closes a code block and says how much is left out', () => {
    const table = ['| a | b |', '| :-- | --: |', ...Array.from({ length: 50 }, (_, index) => `| row-${index} | ${'x'.repeat(30)} |`)];
    const text = ['## title', '', ...table, '', '```text', ...Array.from({ length: 50 }, (_, index) => `log line ${index}`), '```'].join(
      '\n',
    );
    const cut = fitComment(text, 1200);
    expect(cut.length).toBeLessThanOrEqual(1200);
    const lines = cut.split('\n');
    const left = Number(cut.match(/_… (\d+) more lines left out at GitHub's comment limit\._$/)![1]);
    for (const line of lines.filter((item) => item.startsWith('|'))) expect(line).toMatch(/^\| (a|:--|row-\d+) \| .* \|$/);
    expect(lines.length - 2 + left).toBe(text.split('\n').length); // kept + blank + note line
    expect(fitComment('short', 1200)).toBe('short');
    const inFence = fitComment(['```text', ...Array.from({ length: 200 }, (_, index) => `log ${index}`), '```'].join('\n'), 500);
    expect(inFence.split('\n').filter((line) => line.startsWith('```'))).toHaveLength(2);
  });
});
