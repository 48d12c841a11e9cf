/**
 * The approval of an untrusted pull request (see `trust.ts`): a maintainer adds the `mxn:run` label
 * after reading the plan comment, and the plan comment names the commit it was made for. The run
 * takes that commit only: at `labeled` time the pull request's head must still be the commit in
 * the bot's latest comment of every experiment, else the label approves nothing (a push just
 * before the label would otherwise run a commit the maintainer never saw).
 */
import { GitHubLoopError } from './errors.js';
import type { EventContext } from './event-context.js';
import type { GitHubApi, IssueComment } from './github-api.js';
import { findStickyComment, type StickyTarget } from './sticky-comment.js';
import { untrustedReason } from './trust.js';

/** The label by which a maintainer approves an untrusted pull request's run. */
export const APPROVAL_LABEL = 'mxn:run';

const SHA = /^[0-9a-f]{40}$/;
const RECORD = /^<!-- mxn:commit ([0-9a-f]{40}) -->$/;

/**
 * The first line of every plan and results comment (right under the marker, where no text of the
 * pull request can come first): the commit the comment was made for. Hidden; `commitNote` shows it.
 */
export function commitRecord(sha: string): string {
  if (!SHA.test(sha)) throw new GitHubLoopError('Event', `not a commit sha: ${JSON.stringify(sha.slice(0, 60))}`);
  return `<!-- mxn:commit ${sha} -->`;
}

/** The visible line of a plan comment naming its commit, and what the label approves. */
export function commitNote(sha: string, untrusted: boolean): string {
  return untrusted
    ? `<sub>Planned for commit \`${sha}\`. The \`${APPROVAL_LABEL}\` label approves this commit only; a newer push needs a new label.</sub>`
    : `<sub>Planned for commit \`${sha}\`.</sub>`;
}

/** The plan comment's line on what happens next: an untrusted pull request waits for approval; a trusted one runs now. */
export function planNote(context: Pick<EventContext, 'pullRequest' | 'runUrl'>): string | undefined {
  const pr = context.pullRequest;
  if (pr && !pr.trusted)
    return `_${untrustedReason(pr)}: nothing runs until a maintainer approves (label \`${APPROVAL_LABEL}\`, then \`mxn-fork-approval\`)._`;
  return context.runUrl ? `_Runs next: progress in [the run's log](${context.runUrl}); this comment then shows the results._` : undefined;
}

/** The commit a comment by mxn records (its second line, after the marker), if any. */
export function recordedCommit(body: string): string | undefined {
  return body.split('\n')[1]?.match(RECORD)?.[1];
}

/** True for the event that asks to run an untrusted pull request: the approval label being added (`pull_request_target`). */
export function isApprovalEvent(context: Pick<EventContext, 'eventName' | 'action' | 'label'>): boolean {
  return context.eventName === 'pull_request_target' && context.action === 'labeled' && context.label === APPROVAL_LABEL;
}

export interface ApprovalCheck {
  /** Every experiment's latest comment by the bot records `headSha`. */
  approved: boolean;
  /** One line per experiment whose comment does not (none, or another commit). */
  refusals: string[];
}

/**
 * How long a plan comment must have stood unchanged before the label for the label to approve it: a
 * maintainer's page may still show the comment before its last update (a push just before).
 */
const SETTLE_MS = 60_000;

export interface ApprovalCheckOptions {
  /** The pull request's comments, when already listed. */
  comments?: IssueComment[];
  /** When the label was added (the event's `pull_request.updated_at`). Default: now. */
  labeledAt?: Date;
}

/**
 * Checks, before any comment is rewritten, that the bot's comment of every experiment records the
 * commit now at the pull request's head: the plan the maintainer read when adding the label. A
 * comment updated less than `SETTLE_MS` before the label is refused too (the page may have been stale).
 */
export async function checkApproval(
  api: GitHubApi,
  target: StickyTarget,
  experiments: string[],
  headSha: string,
  options: ApprovalCheckOptions = {},
): Promise<ApprovalCheck> {
  const listed = options.comments ?? (await api.listComments({ owner: target.owner, repo: target.repo }, target.issue));
  const labeledAt = (options.labeledAt ?? new Date()).getTime();
  const refusals: string[] = [];
  for (const name of experiments) {
    // the very comment the plan step updates (the record is its second line, right under the marker)
    const { own } = findStickyComment(listed, api.author, name);
    const shown = own && recordedCommit(own.body);
    const settled = own?.updatedAt ? labeledAt - Date.parse(own.updatedAt) : Number.POSITIVE_INFINITY;
    if (shown === headSha && settled < SETTLE_MS)
      refusals.push(
        `${JSON.stringify(name)}: the plan comment changed ${Math.round(settled / 1000)} s before the label, so the page read may ` +
          'have shown the one before; read the plan comment again, then remove and add the label again',
      );
    else if (shown !== headSha)
      refusals.push(
        shown
          ? `${JSON.stringify(name)}: the label was added while the comment showed commit ${shown.slice(0, 12)}, ` +
              `but the head is now ${headSha.slice(0, 12)}`
          : `${JSON.stringify(name)}: no plan comment for commit ${headSha.slice(0, 12)} was shown before the label`,
      );
  }
  return { approved: refusals.length === 0, refusals };
}

/**
 * The run step's own guard: an untrusted pull request runs only the commit its approval named
 * (the plan job's `approved-sha`), which must be the event's head commit.
 */
export function assertRunApproved(pr: { trusted: boolean; headSha: string } | undefined, approvedSha: string | undefined): void {
  if (!pr || pr.trusted) return;
  if (!approvedSha)
    throw new GitHubLoopError('Usage', 'this pull request is untrusted (a fork, or an author without write access) and has no approval', {
      hint: `a maintainer adds the \`${APPROVAL_LABEL}\` label after reading the plan comment; the run takes the plan's \`approved-sha\``,
    });
  if (approvedSha !== pr.headSha)
    throw new GitHubLoopError(
      'Usage',
      `the approved commit ${approvedSha.slice(0, 12)} is not the pull request's head ${pr.headSha.slice(0, 12)}`,
      { hint: `read the new commit's plan comment and add the \`${APPROVAL_LABEL}\` label again` },
    );
}
