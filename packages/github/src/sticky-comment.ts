/**
 * The sticky comment: one comment per experiment on a pull request, found by a hidden marker
 * (`<!-- mxn:<experiment> -->`) and updated in place, so pushing again never adds another.
 */
import type { GitHubApi, RepoRef } from './github-api.js';

/** GitHub's limit on a comment body, in characters. */
export const COMMENT_LIMIT = 65_536;

export function commentMarker(experiment: string): string {
  return `<!-- mxn:${experiment.replace(/-->/g, '')} -->`;
}

/** Room left for the text of a sticky comment of `experiment` once its marker is added. */
export function commentBudget(experiment: string): number {
  return COMMENT_LIMIT - commentMarker(experiment).length - 1;
}

export interface StickyTarget extends RepoRef {
  issue: number;
}

export interface StickyResult {
  id: number;
  action: 'created' | 'updated' | 'unchanged';
}

export async function upsertStickyComment(api: GitHubApi, target: StickyTarget, experiment: string, text: string): Promise<StickyResult> {
  const marker = commentMarker(experiment);
  const budget = commentBudget(experiment);
  const body = `${marker}\n${text.length > budget ? `${text.slice(0, budget - 40)}\n\n_… cut at GitHub's comment limit._` : text}`;
  const repo = { owner: target.owner, repo: target.repo };
  const existing = (await api.listComments(repo, target.issue)).find((comment) => comment.body.startsWith(marker) || comment.body.includes(`\n${marker}`));
  if (!existing) return { id: (await api.createComment(repo, target.issue, body)).id, action: 'created' };
  if (existing.body === body) return { id: existing.id, action: 'unchanged' };
  await api.updateComment(repo, existing.id, body);
  return { id: existing.id, action: 'updated' };
}
