/**
 * The run job's results as the publish job receives them: the uploaded artifact, taken as
 * untrusted data (the job that made it ran pull-request code). Only its `results.json` is read, as
 * a regular file of bounded size, through the results schema (`checkResults`): every field the
 * renderers use has its type, unknown fields are dropped, the totals are the cells' counts, and the
 * experiment's name is one the experiment schema allows (so nothing is written outside
 * `results/<name>/`). The artifact's `summary.md` and `report.html` are never used as they are: the
 * report step renders them again from these results.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { RESULTS_VERSION, type CellResult, type CellStatus, type ExperimentResults } from '@mxn/core';
import { readResults } from '@mxn/report';
import { GitHubLoopError } from './errors.js';

const MAX_BYTES = 64 * 1024 * 1024;
// as the experiment schema's names: letters, digits, "-", "_", "."; at most 64; no ".."
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const STATUSES: readonly CellStatus[] = ['succeeded', 'failed', 'cached', 'cancelled'];
const HINT = 'the artifact must be the results folder the run step wrote (results/<name>/)';

/** The experiment name of an artifact folder's results.json, checked as the experiment schema checks names. */
export async function experimentOfResults(from: string): Promise<string> {
  const file = path.join(from, 'results.json');
  const name = (await readResults(file)).experiment;
  checkName(name, file);
  return name;
}

/** The artifact folder's `results.json`, read and checked through the results schema (see `checkResults`). */
export async function readResultsArtifact(from: string): Promise<ExperimentResults> {
  const file = path.join(from, 'results.json');
  const stat = await lstat(file).catch(() => undefined);
  if (!stat) throw new GitHubLoopError('Usage', `${file} is missing`, { hint: 'download the run job’s results artifact into this folder' });
  if (!stat.isFile() || stat.size > MAX_BYTES)
    throw new GitHubLoopError('Usage', `${file} is not a regular file of at most 64 MB`, { hint: HINT });
  return checkResults(await readResults(file), file);
}

/**
 * `value` as results of the current schema, rebuilt from the fields the schema has (others are
 * dropped), or a one-line error naming `file` and the first field that is wrong.
 */
export function checkResults(value: unknown, file: string): ExperimentResults {
  const fail = (where: string, expected: string): never => {
    throw new GitHubLoopError('Usage', `${file}: ${where} must be ${expected}; results.json does not match the results schema`, {
      hint: HINT,
    });
  };
  const object = (v: unknown, where: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(where, 'an object');
  const string = (v: unknown, where: string): string => (typeof v === 'string' ? v : fail(where, 'a string'));
  const count = (v: unknown, where: string): number =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : fail(where, 'a whole number ≥ 0');
  const strings = (v: unknown, where: string): string[] =>
    Array.isArray(v) ? v.map((item, i) => string(item, `${where}[${i}]`)) : fail(where, 'a list of strings');
  const numbers = (v: unknown, where: string): Record<string, number> =>
    Object.fromEntries(
      Object.entries(object(v, where)).map(([key, n]) => [key, typeof n === 'number' ? n : fail(`${where}.${key}`, 'a number')]),
    );
  const oneOf = <T extends string>(v: unknown, allowed: readonly T[], where: string): T =>
    allowed.includes(v as T) ? (v as T) : fail(where, `one of ${allowed.join(', ')}`);
  const optional = <T>(v: unknown, check: (v: unknown) => T): T | undefined => (v === undefined ? undefined : check(v));
  // the fields given, without the optional ones that are absent
  const defined = <T>(fields: { [K in keyof T]: T[K] | undefined }): T =>
    Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as T;

  const root = object(value, 'the file');
  if (root.version !== RESULTS_VERSION) fail('version', String(RESULTS_VERSION));
  checkName(root.experiment, file);
  const evaluation = object(root.evaluation, 'evaluation');
  if (!Array.isArray(root.cells)) fail('cells', 'a list');
  const cells = (root.cells as unknown[]).map((item, i) => {
    const at = `cells[${i}]`;
    const cell = object(item, at);
    return defined<CellResult>({
      id: string(cell.id, `${at}.id`),
      model: string(cell.model, `${at}.model`),
      variant: string(cell.variant, `${at}.variant`),
      params: object(cell.params, `${at}.params`),
      dataset: string(cell.dataset, `${at}.dataset`),
      key: string(cell.key, `${at}.key`),
      status: oneOf(cell.status, STATUSES, `${at}.status`),
      fromCache: optional(cell.fromCache, (v) => (typeof v === 'boolean' ? v : fail(`${at}.fromCache`, 'true or false'))),
      attempts: count(cell.attempts, `${at}.attempts`),
      startedAt: optional(cell.startedAt, (v) => string(v, `${at}.startedAt`)),
      finishedAt: optional(cell.finishedAt, (v) => string(v, `${at}.finishedAt`)),
      durationMs: count(cell.durationMs, `${at}.durationMs`),
      metrics: numbers(cell.metrics, `${at}.metrics`),
      modelMetrics: optional(cell.modelMetrics, (v) => object(v, `${at}.modelMetrics`)),
      output: string(cell.output, `${at}.output`),
      exitCode: optional(cell.exitCode, (v) => (Number.isSafeInteger(v) ? (v as number) : fail(`${at}.exitCode`, 'a whole number'))),
      error: optional(cell.error, (v) => string(v, `${at}.error`)),
      infrastructure: optional(cell.infrastructure, (v) => (typeof v === 'boolean' ? v : fail(`${at}.infrastructure`, 'true or false'))),
    });
  });
  const aggregate = optional(root.aggregate, (v) => {
    const item = object(v, 'aggregate');
    return defined<NonNullable<ExperimentResults['aggregate']>>({
      status: oneOf(item.status, ['succeeded', 'failed', 'cancelled'] as const, 'aggregate.status'),
      attempts: count(item.attempts, 'aggregate.attempts'),
      durationMs: count(item.durationMs, 'aggregate.durationMs'),
      output: string(item.output, 'aggregate.output'),
      error: optional(item.error, (e) => string(e, 'aggregate.error')),
    });
  });
  const totals = object(root.totals, 'totals');
  for (const status of STATUSES) {
    const counted = cells.filter((cell) => cell.status === status).length;
    if (count(totals[status], `totals.${status}`) !== counted) fail(`totals.${status}`, `${counted}, the number of ${status} cells`);
  }
  return defined<ExperimentResults>({
    version: RESULTS_VERSION,
    experiment: root.experiment as string,
    description: optional(root.description, (v) => string(v, 'description')),
    runId: string(root.runId, 'runId'),
    backend: string(root.backend, 'backend'),
    runtime: optional(root.runtime, (v) => oneOf(v, ['container', 'process'] as const, 'runtime')),
    startedAt: string(root.startedAt, 'startedAt'),
    finishedAt: string(root.finishedAt, 'finishedAt'),
    evaluation: {
      target: string(evaluation.target, 'evaluation.target'),
      task: oneOf(evaluation.task, ['regression', 'classification'] as const, 'evaluation.task'),
      metrics: strings(evaluation.metrics, 'evaluation.metrics'),
    },
    variants: strings(root.variants, 'variants'),
    datasets: strings(root.datasets, 'datasets'),
    cells,
    aggregate,
    totals: Object.fromEntries(STATUSES.map((status) => [status, totals[status] as number])) as Record<CellStatus, number>,
  });
}

function checkName(name: unknown, file: string): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name) || name.includes('..'))
    throw new GitHubLoopError('Usage', `${file}: experiment name ${JSON.stringify(String(name).slice(0, 80))} is not valid`, {
      hint: HINT,
    });
}
