// The sticky comment against the loopback GitHub fake (through the real Octokit client).
import { startGitHubFake, type GitHubFake } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubApi } from './github-api.js';
import { COMMENT_LIMIT, commentMarker, upsertStickyComment } from './sticky-comment.js';

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

  it('keeps a body under GitHub’s limit, and reports API errors with the status', async () => {
    const api = githubApi({ token: 't0ken', baseUrl: fake.url });
    await upsertStickyComment(api, target, 'huge', 'x'.repeat(COMMENT_LIMIT * 2));
    const huge = fake.comments('acme/pricing', 3).find((comment) => comment.body.startsWith(commentMarker('huge')))!;
    expect(huge.body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    await expect(upsertStickyComment(githubApi({ token: 'wrong', baseUrl: fake.url }), target, 'demo', 'x')).rejects.toMatchObject({ code: 'Api', message: expect.stringContaining('HTTP 401') });
    await expect(upsertStickyComment(api, { ...target, repo: 'missing' }, 'demo', 'x')).rejects.toThrow(/HTTP 404/);
  });
});
