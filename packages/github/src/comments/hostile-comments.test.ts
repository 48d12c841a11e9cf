/** Every user string in the plan, progress and results comments, made hostile: the comment keeps its shape and forges nothing. */
import type { Plan } from '@mxn/core';
import { HOSTILE_STRINGS, markdownHazards, markdownSkeleton, outsideCode, resultsWithSuffix } from '@mxn/report/testing';
import { describe, expect, it } from 'vitest';
import { unreachableNote } from '../steps/cloud-reach.js';
import { renderPlanComment, type PlanCommentInput } from './plan-comment.js';
import { newProgress, renderProgressComment } from './progress-comment.js';
import { renderResultsComment } from './results-comment.js';

/** A 2 × 2 plan, one cell cached, where `suffix` ends every name, the run id, the command and the file. */
function planWithSuffix(suffix: string): Plan {
  const variants = [`ridge[alpha=0.1${suffix}]`, `knn${suffix}`];
  const datasets = [`seoul${suffix}`, `busan${suffix}`];
  return {
    experiment: `housing${suffix}`,
    runtime: 'container',
    runId: `run-1${suffix}`,
    variants,
    datasets,
    cells: variants.flatMap((variant, v) =>
      datasets.map((dataset, d) => ({
        id: `${variant}@${dataset}`,
        model: variant.replace(/\[.*$/s, ''),
        variant,
        params: { alpha: `0.1${suffix}` },
        dataset,
        key: `k${v}${d}`,
        inputKey: `i${d}`,
        command: ['node', `train${suffix}.js`],
        willRun: v + d > 0,
      })),
    ),
    aggregate: { command: ['node', `aggregate${suffix}.js`], image: `mxn/ensemble${suffix}`, params: { seed: suffix } },
  };
}

function planInput(suffix: string): PlanCommentInput {
  return {
    experiment: `housing${suffix}`,
    file: `experiments/housing${suffix}.yaml`,
    plan: planWithSuffix(suffix),
    backend: `azure-batch${suffix}`,
    backendLines: [`pool mxn${suffix}: ubuntu`],
    images: [
      { name: `ridge${suffix}`, ref: `registry.example/ridge${suffix}:abc`, state: 'missing' },
      { name: `knn${suffix}`, ref: `registry.example/knn${suffix}:def`, state: 'present' },
    ],
    unchecked: unreachableNote('cache', { uri: `s3://bucket/cache${suffix}`, reason: `denied${suffix}` }),
  };
}

/** The comment is as safe and as shaped as the same comment of plain names. */
function expectSameShape(hostile: string, plain: string): void {
  expect(markdownSkeleton(hostile)).toEqual(markdownSkeleton(plain));
  expect(markdownHazards(hostile)).toEqual([]);
  expect(outsideCode(hostile)).not.toMatch(/^\*\*Approved by/m);
}

describe.each(HOSTILE_STRINGS.map((text) => [JSON.stringify(text), text]))('comments of names ending in %s', (_, hostile) => {
  it('plan comment: the matrix, images, command, file and cache note keep their shape', () => {
    expectSameShape(renderPlanComment(planInput(hostile)), renderPlanComment(planInput('')));
  });

  it('plan comment: problems stay inside their code block', () => {
    const problems = (suffix: string): PlanCommentInput => ({
      experiment: `housing${suffix}`,
      file: `experiments/housing${suffix}.yaml`,
      problems: [
        { file: `experiments/housing${suffix}.yaml`, line: 14, column: 19, message: `unknown regression metric "r3${suffix}"` },
        { file: `experiments/housing${suffix}.yaml`, line: 20, column: 3, message: `unknown key "x${suffix}"` },
      ],
    });
    expectSameShape(renderPlanComment(problems(hostile)), renderPlanComment(problems('')));
  });

  it('progress comment: the failed cell ids and the backend stay inline code', () => {
    const render = (suffix: string) => {
      const plan = planWithSuffix(suffix);
      const progress = newProgress();
      progress.states.set(plan.cells[1]!.id, 'failed');
      progress.states.set(plan.cells[2]!.id, 'running');
      return renderProgressComment(`housing${suffix}`, plan, progress, { backend: `local${suffix}`, now: progress.startedAt });
    };
    expectSameShape(render(hostile), render(''));
  });

  it('results comment: tables, failed cells and their log tails keep their shape, in full and shortened', () => {
    const render = (suffix: string, shorten = false) => {
      const results = resultsWithSuffix(suffix);
      const full = renderResultsComment(results, { baseline: results });
      return shorten ? renderResultsComment(results, { baseline: results, maxChars: full.length - 1 }) : full;
    };
    expectSameShape(render(hostile), render(''));
    expectSameShape(render(hostile, true), render('', true));
  });
});
