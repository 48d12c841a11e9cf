/** The progress comment while a run goes on: counts by state, and the plan's size. */
import { formatDuration, type Plan, type TaskEvent } from '@mxn/core';
import { inlineCode, markdownLink, markdownText } from '@mxn/report';

export interface ProgressState {
  /** Latest state per task id. */
  states: Map<string, TaskEvent['state']>;
  startedAt: number;
}

export function newProgress(): ProgressState {
  return { states: new Map(), startedAt: Date.now() };
}

export function renderProgressComment(
  experiment: string,
  plan: Plan,
  progress: ProgressState,
  options: { backend: string; runUrl?: string; now?: number; cancelled?: boolean },
): string {
  const toRun = plan.cells.filter((cell) => cell.willRun);
  const counts = { queued: 0, running: 0, retrying: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const cell of toRun) counts[progress.states.get(cell.id) ?? 'queued']++;
  const done = counts.succeeded + counts.failed + counts.cancelled;
  const width = 20;
  const filled = toRun.length ? Math.round((done / toRun.length) * width) : width;
  const parts = (Object.keys(counts) as Array<keyof typeof counts>)
    .filter((state) => counts[state] > 0)
    .map((state) => `${counts[state]} ${state}`);
  const lines = [
    `## mxn · ${markdownText(experiment)} · ${options.cancelled ? 'cancelled' : 'running'}`,
    '',
    `\`${'█'.repeat(filled)}${'░'.repeat(width - filled)}\` **${done} / ${toRun.length}** cells done on ${inlineCode(options.backend)} ` +
      `(${plan.cells.length - toRun.length} cached) · ${formatDuration((options.now ?? Date.now()) - progress.startedAt)}`,
    '',
    parts.join(' · ') || 'nothing to run',
  ];
  const failed = toRun.filter((cell) => progress.states.get(cell.id) === 'failed').map((cell) => inlineCode(cell.id));
  if (failed.length) lines.push('', `Failed so far: ${failed.join(', ')}`);
  if (options.cancelled)
    lines.push(
      '',
      '**Cancelled**: the run was stopped (a newer push, or cancelled by hand); the cells not finished were cancelled on the backend.',
    );
  if (options.runUrl) lines.push('', markdownLink('Workflow run', options.runUrl));
  return `${lines.join('\n')}\n`;
}
