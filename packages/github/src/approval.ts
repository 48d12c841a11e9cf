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
import { commentMarker, type StickyTarget } from './sticky-comment.js';
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
 * Checks, before any comment is rewritten, that the bot's comment of every experiment records the
 * commit now at the pull request's head: the plan the maintainer read when adding the label.
 */
export async function checkApproval(
  api: GitHubApi,
  target: StickyTarget,
  experiments: string[],
  headSha: string,
  comments?: IssueComment[],
): Promise<ApprovalCheck> {
  const listed = comments ?? (await api.listComments({ owner: target.owner, repo: target.repo }, target.issue));
  const refusals: string[] = [];
  for (const name of experiments) {
    const marker = commentMarker(name);
    const own = listed.filter((comment) => comment.user?.login === api.author && comment.body.startsWith(`${marker}\n`)).at(-1);
    const shown = own && recordedCommit(own.body);
    if (shown !== headSha)
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
