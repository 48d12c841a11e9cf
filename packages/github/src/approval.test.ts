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
import { confirmWriteAccess, isTrustedPullRequest, untrustedReason } from './trust.js';

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
    // pull_request_target is the approval path: whoever the author, never trusted there
    expect((await read('MEMBER')).pullRequest?.trusted).toBe(false);
    expect(
      readEventContext({ GITHUB_REPOSITORY: 'acme/pricing', GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event }).pullRequest
        ?.trusted,
    ).toBe(true);
    expect((await read('OWNER', 'someone/pricing')).pullRequest).toMatchObject({ fromFork: true, trusted: false });
    expect(isApprovalEvent({ eventName: 'pull_request', action: 'labeled', label: 'mxn:run' })).toBe(false);
  });
});

describe('the author’s write access (GET /collaborators/{user}/permission)', () => {
  let fake: GitHubFake;
  beforeAll(async () => {
    fake = await startGitHubFake({ token: 't0ken', repos: ['acme/pricing'] });
  });
  afterAll(() => fake?.stop());

  it('keeps admin, maintain and write trusted; a read-only COLLABORATOR, a triager, an unknown author are planned only', async () => {
    const api = githubApi({ token: 't0ken', baseUrl: fake.url });
    const context = (author?: string) => ({
      repo: { owner: 'acme', repo: 'pricing' },
      eventName: 'pull_request',
      pullRequest: {
        number: 7,
        headRef: 'exp',
        headSha: A,
        baseRef: 'main',
        fromFork: false,
        authorAssociation: 'COLLABORATOR',
        trusted: true,
        ...(author ? { author } : {}),
      },
    });
    for (const role of ['admin', 'maintain', 'write', 'triage', 'read'] as const) fake.setPermission('acme/pricing', role, role);
    const lines: string[] = [];
    const trust = async (author?: string) => (await confirmWriteAccess(context(author), api, (line) => lines.push(line))).pullRequest!;
    for (const role of ['admin', 'maintain', 'write']) expect((await trust(role)).trusted, role).toBe(true);
    const reader = await trust('read');
    expect(reader).toMatchObject({ trusted: false, permission: 'read' });
    expect(untrustedReason(reader)).toBe('By an author without write access (`permission read`)');
    expect(lines).toContain('the author read has permission read: planned only');
    for (const author of ['triage', 'stranger', undefined]) expect((await trust(author)).trusted, author).toBe(false);
    // no API to ask: not trusted; an untrusted pull request is not asked about
    expect((await confirmWriteAccess(context('admin'), undefined)).pullRequest?.trusted).toBe(false);
    const before = fake.requests.length;
    const fork = { ...context('admin'), pullRequest: { ...context('admin').pullRequest, fromFork: true, trusted: false } };
    expect((await confirmWriteAccess(fork, api)).pullRequest?.trusted).toBe(false);
    expect(fake.requests.length).toBe(before);
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

  it('reads the comment the update rewrites: the first of the bot’s, not a later duplicate', async () => {
    const api = githubApi({ token: 't0ken', baseUrl: fake.url });
    const other = { ...target, issue: 10 };
    await upsertStickyComment(api, other, 'demo', `${commitRecord(A)}\nthe plan of A`);
    // a second comment by the bot with the marker (e.g. two plan jobs racing before concurrency): records B
    await api.createComment({ owner: 'acme', repo: 'pricing' }, 10, `${commentMarker('demo')}\n${commitRecord(B)}\nthe plan of B`);
    const check = await checkApproval(api, other, ['demo'], B);
    expect(check.approved).toBe(false);
    expect(check.refusals[0]).toMatch(/showed commit a{12}/);
    // the update goes to that same first comment
    const { id } = await upsertStickyComment(api, other, 'demo', `${commitRecord(B)}\nthe plan of B`);
    expect(id).toBe(fake.comments('acme/pricing', 10)[0]!.id);
  });

  it('refuses a label added less than a minute after the comment changed (the page read may have been stale)', async () => {
    const api = githubApi({ token: 't0ken', baseUrl: fake.url });
    const other = { ...target, issue: 11 };
    await upsertStickyComment(api, other, 'demo', `${commitRecord(B)}\nthe plan of B`);
    // the fake's clock stamps the comment; the label's time is the event's pull_request.updated_at
    const updated = Date.parse(fake.comments('acme/pricing', 11)[0]!.updated_at);
    const soon = await checkApproval(api, other, ['demo'], B, { labeledAt: new Date(updated + 20_000) });
    expect(soon.approved).toBe(false);
    expect(soon.refusals[0]).toMatch(/changed 20 s before the label.*remove and add the label again/);
    expect(await checkApproval(api, other, ['demo'], B, { labeledAt: new Date(updated + 61_000) })).toEqual({
      approved: true,
      refusals: [],
    });
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
