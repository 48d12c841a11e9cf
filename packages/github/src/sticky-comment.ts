/**
 * The sticky comment: one comment per experiment on a pull request, found by a hidden marker
 * (`<!-- mxn:<experiment> -->`) and updated in place, so pushing again never adds another. Only a
 * comment written by the token's own identity counts: anyone can paste the marker into a comment,
 * and mxn must neither edit theirs nor take their text for its own.
 */
import { createHash } from 'node:crypto';
import type { GitHubApi, IssueComment, RepoRef } from './github-api.js';

/** GitHub's limit on a comment body, in characters. */
export const COMMENT_LIMIT = 65_536;

/**
 * The hidden marker of an experiment's comment: a digest of its name, never the name itself, so a
 * name a pull request chose (`a---->b`, `<!--`, a newline) cannot end the HTML comment and show
 * or forge text around it.
 */
export function commentMarker(experiment: string): string {
  return `<!-- mxn:${createHash('sha256').update(experiment).digest('hex').slice(0, 16)} -->`;
}

/** Room left for the text of a sticky comment of `experiment` once its marker is added. */
export function commentBudget(experiment: string): number {
  return COMMENT_LIMIT - commentMarker(experiment).length - 1;
}

/**
 * The one lookup of an experiment's sticky comment among a pull request's comments, for the update
 * and for the approval check alike (so both read the same comment): the first comment carrying the
 * marker written by `author`, and every comment carrying it by anyone else (left alone).
 */
export function findStickyComment(
  comments: readonly IssueComment[],
  author: string,
  experiment: string,
): { own?: IssueComment; lookalikes: IssueComment[] } {
  const marker = commentMarker(experiment);
  const marked = comments.filter((comment) => comment.body.startsWith(marker) || comment.body.includes(`\n${marker}`));
  const own = marked.find((comment) => comment.user?.login === author);
  return { ...(own ? { own } : {}), lookalikes: marked.filter((comment) => comment.user?.login !== author) };
}

export interface StickyTarget extends RepoRef {
  issue: number;
}

export interface StickyResult {
  id: number;
  action: 'created' | 'updated' | 'unchanged';
  /** Comments carrying the marker by someone else, left alone. */
  ignored?: number;
}

export async function upsertStickyComment(
  api: GitHubApi,
  target: StickyTarget,
  experiment: string,
  text: string,
  options: { log?: (line: string) => void } = {},
): Promise<StickyResult> {
  const marker = commentMarker(experiment);
  const budget = commentBudget(experiment);
  const body = `${marker}\n${fitComment(text, budget)}`;
  const repo = { owner: target.owner, repo: target.repo };
  const { own: existing, lookalikes } = findStickyComment(await api.listComments(repo, target.issue), api.author, experiment);
  const ignored = lookalikes.length ? { ignored: lookalikes.length } : {};
  if (lookalikes.length) {
    const authors = [...new Set(lookalikes.map((comment) => comment.user?.login ?? 'a deleted user'))].join(', ');
    options.log?.(
      `ignored ${lookalikes.length} comment${lookalikes.length === 1 ? '' : 's'} on #${target.issue} carrying mxn's marker for ` +
        `${JSON.stringify(experiment)} by ${authors}: only comments by ${api.author} are mxn's`,
    );
  }
  if (!existing) return { id: (await api.createComment(repo, target.issue, body)).id, action: 'created', ...ignored };
  if (existing.body === body) return { id: existing.id, action: 'unchanged', ...ignored };
  await api.updateComment(repo, existing.id, body);
  return { id: existing.id, action: 'updated', ...ignored };
}

/**
 * The last resort for a text the renderers did not fit (they shorten their own tables first):
 * whole lines only, so no table row or link is cut in half; a table cut between rows stays a table,
 * an open code block is closed, and the last line says how many lines were left out.
 */
export function fitComment(text: string, budget: number): string {
  if (text.length <= budget) return text;
  const lines = text.split('\n');
  const kept: string[] = [];
  let used = 0;
  let fenced = false;
  const room = budget - 120;
  for (const line of lines) {
    if (used + line.length + 1 > room) break;
    kept.push(line);
    used += line.length + 1;
    if (line.trimStart().startsWith('```')) fenced = !fenced;
  }
  // a cut right after a table header would leave a table without rows: drop the header too
  if (kept.length >= 2 && /^\|[\s:|-]*\|$/.test(kept[kept.length - 1]!) && kept[kept.length - 2]!.startsWith('|')) kept.splice(-2, 2);
  const left = lines.length - kept.length;
  if (fenced) kept.push('```');
  return `${kept.join('\n')}\n\n_… ${left} more lines left out at GitHub's comment limit._`;
}
