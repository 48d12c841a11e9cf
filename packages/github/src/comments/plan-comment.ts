/** The plan comment: the m × n matrix with what runs and what is cached, the images to build, and any problem in the file. */
import { escapeMarkdown, formatIssue, type ExperimentIssue, type Plan } from '@mxn/core';
import type { ImageStatus } from '@mxn/images';

export interface PlanCommentInput {
  experiment: string;
  /** The experiment file, relative to the repository root. */
  file: string;
  plan?: Plan;
  problems?: ExperimentIssue[];
  /** Images of the experiment's build folders and whether the registry has them. */
  images?: Array<Pick<ImageStatus, 'name' | 'ref' | 'state'>>;
  backend?: string;
  /** Why images were not checked (e.g. no registry configured). */
  imagesNote?: string;
  /** Extra line (e.g. the fork policy). */
  note?: string;
}

export const PLAN_MARKS = { run: '▶ run', cached: '✓ cached', cachedFailure: '✗ cached failure' } as const;

export function renderPlanComment(input: PlanCommentInput): string {
  const lines = [`## mxn · ${escapeMarkdown(input.experiment)} · plan`, ''];
  if (input.problems?.length) {
    lines.push(`**\`${input.file}\` has ${input.problems.length} problem${input.problems.length === 1 ? '' : 's'}**; nothing will run until they are fixed:`, '', '```text', ...input.problems.map(formatIssue), '```');
    if (input.note) lines.push('', input.note);
    return `${lines.join('\n')}\n`;
  }
  const plan = input.plan;
  if (!plan) return `${lines.join('\n')}_No plan._\n`;
  const toRun = plan.cells.filter((cell) => cell.willRun).length;
  lines.push(
    `**${plan.variants.length} × ${plan.datasets.length} = ${plan.cells.length} cells** from \`${input.file}\`: ${toRun} to run, ${plan.cells.length - toRun} cached${input.backend ? ` · backend \`${input.backend}\`` : ''} · run \`${plan.runId}\``,
    '',
    `| variant | ${plan.datasets.map(escapeMarkdown).join(' | ')} |`,
    `| :-- | ${plan.datasets.map(() => ':-:').join(' | ')} |`,
  );
  const byPair = new Map(plan.cells.map((cell) => [`${cell.variant}\0${cell.dataset}`, cell]));
  for (const variant of plan.variants) {
    const marks = plan.datasets.map((dataset) => {
      const cell = byPair.get(`${variant}\0${dataset}`);
      if (!cell) return '';
      if (!cell.willRun) return cell.cached?.status === 'failed' ? PLAN_MARKS.cachedFailure : PLAN_MARKS.cached;
      return PLAN_MARKS.run;
    });
    lines.push(`| ${escapeMarkdown(variant)} | ${marks.join(' | ')} |`);
  }
  if (plan.aggregate) lines.push('', `Then the aggregate step (\`${plan.aggregate.command.join(' ')}\`) after every cell.`);
  if (input.images?.length) {
    const build = input.images.filter((image) => image.state !== 'present');
    lines.push('', `**Images**: ${build.length} to build, ${input.images.length - build.length} already in the registry.`, '');
    for (const image of input.images) lines.push(`- \`${image.ref}\` — ${image.state === 'present' ? 'present, not rebuilt' : image.state === 'built' ? 'built and pushed' : 'to build'}`);
  } else if (input.imagesNote) lines.push('', `**Images**: ${input.imagesNote}`);
  if (input.note) lines.push('', input.note);
  return `${lines.join('\n')}\n`;
}
