/** The plan comment: the m × n matrix with what runs and what is cached, the images to build, and any problem in the file. */
import { formatIssue, type ExperimentIssue, type Plan } from '@mxn/core';
import { fencedBlock, inlineCode, markdownText, tableCell } from '@mxn/report';
import type { ImageStatus } from '@mxn/images';
import { commentBudget } from '../sticky-comment.js';

export interface PlanCommentInput {
  experiment: string;
  /** The experiment file, relative to the repository root. */
  file: string;
  plan?: Plan;
  problems?: ExperimentIssue[];
  /** Images of the experiment's build folders and whether the registry has them. */
  images?: Array<Pick<ImageStatus, 'name' | 'ref' | 'state'>>;
  backend?: string;
  /** What the backend runs on (its `describe()`: pool, node image and support date, warnings). */
  backendLines?: string[];
  /** Why images were not checked (e.g. no registry configured). Markdown written by mxn, like `unchecked` and `note`. */
  imagesNote?: string;
  /**
   * Why the datasets and/or cache were not checked: the line is shown under the count, and the
   * cells are marked unchecked instead of run/cached. Markdown written by mxn: a user string in it
   * (a store URI, an error) must have gone through the `@mxn/report` escape functions.
   */
  unchecked?: string;
  /** Extra line (e.g. the fork policy). */
  note?: string;
  /** Longest text; past it the matrix loses rows (then columns), with a line saying how many. Default: the sticky comment's budget. */
  maxChars?: number;
}

export const PLAN_MARKS = { run: '▶ run', cached: '✓ cached', cachedFailure: '✗ cached failure', unchecked: '? unchecked' } as const;

export function renderPlanComment(input: PlanCommentInput): string {
  const lines = [`## mxn · ${markdownText(input.experiment)} · plan`, ''];
  if (input.problems?.length) {
    lines.push(
      `**${inlineCode(input.file)} has ${input.problems.length} problem${input.problems.length === 1 ? '' : 's'}**; ` +
        `nothing will run until they are fixed:`,
      '',
      fencedBlock(input.problems.map(formatIssue).join('\n')),
    );
    if (input.note) lines.push('', input.note);
    return `${lines.join('\n')}\n`;
  }
  const plan = input.plan;
  if (!plan) return `${lines.join('\n')}_No plan._\n`;
  const toRun = plan.cells.filter((cell) => cell.willRun).length;
  lines.push(
    `**${plan.variants.length} × ${plan.datasets.length} = ${plan.cells.length} cells** from ${inlineCode(input.file)}: ` +
      `${input.unchecked ? 'cache not checked' : `${toRun} to run, ${plan.cells.length - toRun} cached`}` +
      `${input.backend ? ` · backend ${inlineCode(input.backend)}` : ''}${plan.runId ? ` · run ${inlineCode(plan.runId)}` : ''}`,
    '',
    ...(input.unchecked ? [input.unchecked, ''] : []),
    ...(input.backendLines?.length ? [...input.backendLines.map((line) => `- ${markdownText(line)}`), ''] : []),
  );
  const byPair = new Map(plan.cells.map((cell) => [`${cell.variant}\0${cell.dataset}`, cell]));
  const markOf = (variant: string, dataset: string) => {
    const cell = byPair.get(`${variant}\0${dataset}`);
    if (!cell) return '';
    if (input.unchecked) return PLAN_MARKS.unchecked;
    if (!cell.willRun) return cell.cached?.status === 'failed' ? PLAN_MARKS.cachedFailure : PLAN_MARKS.cached;
    return PLAN_MARKS.run;
  };
  const tail: string[] = [...datasetNotes(plan)];
  if (plan.aggregate) tail.push('', `Then the aggregate step (${inlineCode(plan.aggregate.command.join(' '))}) after every cell.`);
  if (input.images?.length) {
    const build = input.images.filter((image) => image.state !== 'present');
    tail.push('', `**Images**: ${build.length} to build, ${input.images.length - build.length} already in the registry.`, '');
    for (const image of input.images)
      tail.push(
        `- ${inlineCode(image.ref)} — ` +
          `${image.state === 'present' ? 'present, not rebuilt' : image.state === 'built' ? 'built and pushed' : 'to build'}`,
      );
  } else if (input.imagesNote) tail.push('', `**Images**: ${input.imagesNote}`);
  if (input.note) tail.push('', input.note);
  const max = input.maxChars ?? commentBudget(input.experiment);
  return fitMatrix(lines, plan, markOf, tail, max);
}

/** The datasets whose cells will fail (too few rows for the split), each dataset's split and a CSV's inferred column types. */
function datasetNotes(plan: Plan): string[] {
  const problems = plan.datasetProblems ?? [];
  const lines = problems.length
    ? ['', `**${problems.length} dataset problem${problems.length === 1 ? '' : 's'}**: their cells fail, the others run.`, '']
    : [];
  lines.push(...capped(problems.map((issue) => `- ${markdownText(formatIssue(issue))}`)));
  const splits = plan.datasets.flatMap((name) => {
    const split = plan.splits?.[name];
    const columns = plan.csvColumns?.[name];
    const sides =
      split?.train !== undefined && split.test !== undefined
        ? `: ${split.train} train / ${split.test} test`
        : split?.problem
          ? `: sides not counted (${markdownText(split.problem)})${split.transient ? '' : '; its cells fail when staged'}`
          : '';
    return [
      ...(split ? [`- ${markdownText(name)}: ${markdownText(split.split)} · ${split.rows} rows${sides}`] : []),
      ...(columns ? [`- ${markdownText(name)} (CSV): ${markdownText(columns)}`] : []),
    ];
  });
  return splits.length ? [...lines, '', '**Datasets**:', '', ...capped(splits)] : lines;
}

/** At most 20 lines, then one saying how many more `mxn plan` shows: the matrix keeps the comment's room. */
function capped(lines: string[]): string[] {
  const most = 20;
  return lines.length <= most ? lines : [...lines.slice(0, most), `- … ${lines.length - most} more lines: \`mxn plan\` shows them all`];
}

const size = (lines: string[]) => lines.reduce((sum, line) => sum + line.length + 1, 0);

/**
 * The whole matrix when it fits in `max` characters; else as many whole rows as fit (and, for a
 * very wide plan, the first columns), with a line saying what was left out. Never cuts inside a row.
 */
function fitMatrix(head: string[], plan: Plan, markOf: (variant: string, dataset: string) => string, tail: string[], max: number): string {
  const table = (datasets: string[]) => ({
    header: [
      `| variant | ${datasets.map(tableCell).join(' | ')}${datasets.length < plan.datasets.length ? ' | … |' : ' |'}`,
      `| :-- | ${datasets.map(() => ':-:').join(' | ')}${datasets.length < plan.datasets.length ? ' | :-: |' : ' |'}`,
    ],
    row: (variant: string) =>
      `| ${tableCell(variant)} | ${datasets.map((dataset) => markOf(variant, dataset)).join(' | ')}` +
      `${datasets.length < plan.datasets.length ? ' | … |' : ' |'}`,
  });
  const full = table(plan.datasets);
  const all = [...head, ...full.header, ...plan.variants.map(full.row), ...tail];
  if (size(all) <= max) return `${all.join('\n')}\n`;

  // Room for the note on what was left out (a generous bound for its length).
  const reserve = 400;
  const room = max - size(head) - size(tail) - reserve;
  let columns = plan.datasets.length;
  let shape = full;
  while (columns > 1 && size([...shape.header, shape.row(plan.variants[0] ?? '')]) > room) {
    columns = Math.max(1, Math.floor(columns * 0.8));
    shape = table(plan.datasets.slice(0, columns));
  }
  const rows: string[] = [];
  let used = size(shape.header);
  for (const variant of plan.variants) {
    const row = shape.row(variant);
    if (used + row.length + 1 > room) break;
    rows.push(row);
    used += row.length + 1;
  }
  const shownVariants = new Set(plan.variants.slice(0, rows.length));
  const shownDatasets = new Set(plan.datasets.slice(0, columns));
  const hidden = plan.cells.filter((cell) => !shownVariants.has(cell.variant) || !shownDatasets.has(cell.dataset));
  const hiddenToRun = hidden.filter((cell) => cell.willRun).length;
  const parts = [
    plan.variants.length > rows.length
      ? `${plan.variants.length - rows.length} more variant${plan.variants.length - rows.length === 1 ? '' : 's'}`
      : '',
    columns < plan.datasets.length
      ? `${plan.datasets.length - columns} more dataset${plan.datasets.length - columns === 1 ? '' : 's'}`
      : '',
  ].filter(Boolean);
  const note =
    `_… ${parts.join(' and ')} left out to fit GitHub's comment limit ` +
    `(${hidden.length} cells: ${hiddenToRun} to run, ${hidden.length - hiddenToRun} cached); \`mxn plan\` lists them all._`;
  return `${[...head, ...shape.header, ...rows, '', note, ...tail].join('\n')}\n`;
}
