// The trust policy, the approval of an untrusted pull request's exact commit (against the loopback
// GitHub fake, through the real Octokit client). The publish job's intake of the run's artifact: results-artifact.test.ts.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGitHubFake, type GitHubFake } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertRunApproved, checkApproval, commitRecord, isApprovalEvent, recordedCommit } from './approval.js';
import { readEventContext } from './event-context.js';
import { githubApi } from './github-api.js';
import { commentMarker, upsertStickyComment } from './sticky-comment.js';
import { isTrustedPullRequest } from './trust.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('the trust policy', () => {
  it('trusts a same-repository pull request by an owner, member or collaborator only', () => {
    for (const association of ['OWNER', 'MEMBER', 'COLLABORATOR'])
      expect(isTrustedPullRequest({ fromFork: false, authorAssociation: association }), association).toBe(true);
    for (const association of ['CONTRIBUTOR', 'FIRST_TIME_CONTRIBUTOR', 'FIRST_TIMER', 'NONE', 'member', undefined])
      expect(isTrustedPullRequest({ fromFork: false, ...(association ? { authorAssociation: association } : {}) }), association).toBe(
        false,
      );
    expect(isTrustedPullRequest({ fromFork: true, authorAssociation: 'OWNER' })).toBe(false);
  });

  it('reads author_association, the action and the label from the event payload', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mxn-event-'));
    const event = path.join(dir, 'event.json');
    const payload = (association: string, repo: string) => ({
      action: 'labeled',
      label: { name: 'mxn:run' },
      pull_request: {
        number: 7,
        author_association: association,
        head: { ref: 'exp', sha: A, repo: { full_name: repo } },
        base: { ref: 'main', repo: { full_name: 'acme/pricing' } },
      },
    });
    const read = async (association: string, repo = 'acme/pricing') => {
      await writeFile(event, JSON.stringify(payload(association, repo)));
      return readEventContext({ GITHUB_REPOSITORY: 'acme/pricing', GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_EVENT_PATH: event });
    };
    const contributor = await read('CONTRIBUTOR');
    expect(contributor.pullRequest).toMatchObject({ fromFork: false, authorAssociation: 'CONTRIBUTOR', trusted: false });
    expect(isApprovalEvent(contributor)).toBe(true);
    expect((await read('MEMBER')).pullRequest?.trusted).toBe(true);
    expect((await read('OWNER', 'someone/pricing')).pullRequest).toMatchObject({ fromFork: true, trusted: false });
    expect(isApprovalEvent({ eventName: 'pull_request', action: 'labeled', label: 'mxn:run' })).toBe(false);
  });
});

describe('the approval of an untrusted pull request', () => {
  let fake: GitHubFake;
  const target = { owner: 'acme', repo: 'pricing', issue: 9 };
  beforeAll(async () => {
    fake = await startGitHubFake({ token: 't0ken', repos: ['acme/pricing'] });
  });
  afterAll(() => fake?.stop());

  it('holds when the bot’s comment of every experiment records the head; a lookalike by anyone else counts for nothing', async () => {
    const api = githubApi({ token: 't0ken', baseUrl: fake.url });
    expect(await checkApproval(api, target, ['demo'], A)).toEqual({
      approved: false,
      refusals: [`"demo": no plan comment for commit ${A.slice(0, 12)} was shown before the label`],
    });
    await upsertStickyComment(api, target, 'demo', `${commitRecord(A)}\nthe plan of A`);
    expect(recordedCommit(fake.comments('acme/pricing', 9)[0]!.body)).toBe(A);
    expect(await checkApproval(api, target, ['demo'], A)).toEqual({ approved: true, refusals: [] });
    // the head moved to B: the label approved A's plan only
    expect((await checkApproval(api, target, ['demo'], B)).refusals).toEqual([
      `"demo": the label was added while the comment showed commit ${A.slice(0, 12)}, but the head is now ${B.slice(0, 12)}`,
    ]);
    // someone pastes the marker with B's record: still refused
    fake.addComment('acme/pricing', 9, `${commentMarker('demo')}\n${commitRecord(B)}\nforged`, 'mallory');
    expect((await checkApproval(api, target, ['demo'], B)).approved).toBe(false);
    // a record further down the body (where pull-request text could be) is not the record
    expect(recordedCommit(`${commentMarker('demo')}\ntext\n${commitRecord(B)}`)).toBeUndefined();
    expect(() => commitRecord('main')).toThrow(/not a commit sha/);
  });

  it('the run step’s guard: a trusted pull request needs nothing, an untrusted one its head as approved-sha', () => {
    expect(() => assertRunApproved({ trusted: true, headSha: A }, undefined)).not.toThrow();
    expect(() => assertRunApproved(undefined, undefined)).not.toThrow();
    expect(() => assertRunApproved({ trusted: false, headSha: A }, undefined)).toThrow(/untrusted .* has no approval/);
    expect(() => assertRunApproved({ trusted: false, headSha: B }, A)).toThrow(
      /approved commit a{12} is not the pull request's head b{12}/,
    );
    expect(() => assertRunApproved({ trusted: false, headSha: A }, A)).not.toThrow();
  });
});
