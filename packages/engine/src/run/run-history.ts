/**
 * Run history: every run keeps its own results as `runs/<record>.json` beside `results.json` (the
 * latest merged view), the last `RUN_RECORDS_KEPT` of them. A record is named by its start time and
 * run id (`20261130T101500123Z-<run id>`), so names sort in time, and a rerun of the same plan (the same
 * run id) is a record of its own. A record holds only the run's own cells; a partial run's record (an
 * `--only` run) also names its matrix, and `recordView` fills that matrix's other cells from older
 * records; `resolveBaseline` (./baseline.ts) reads records through it.
 */
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CellResult, ExperimentResults } from '@mxn/core';
import { readResults } from '@mxn/report';
import { countStatuses } from './run-experiment.js';

/** How many run records a results folder keeps; older ones are removed when a run writes its own. */
const RUN_RECORDS_KEPT = 20;

const RUNS = 'runs';

/** `2026-11-30T10:15:00.123Z` + run id → `20261130T101500123Z-<run id>`. */
export function recordName(results: Pick<ExperimentResults, 'startedAt' | 'runId'>): string {
  return `${results.startedAt.replace(/[-:.]/g, '')}-${results.runId}`;
}

/** A run's record: results of its own cells, and the matrix they were part of when that was more. */
interface RunRecord extends ExperimentResults {
  /**
   * Present only when the run ran part of its matrix (`--only`): the variants and datasets of the
   * merged view it wrote, whose other cells `recordView` takes from older records. A full run has
   * none, so a model, dataset or param value it dropped never comes back into its view.
   */
  partOf?: { variants: string[]; datasets: string[] };
}

/** The run's own record: its selected cells only, with their counts (see `RunRecord.partOf`). */
export function runRecord(results: ExperimentResults, selected: CellResult[]): RunRecord {
  const ids = new Set(selected.map((cell) => cell.id));
  const variants = new Set(selected.map((cell) => cell.variant));
  const datasets = new Set(selected.map((cell) => cell.dataset));
  const cells = results.cells.filter((cell) => ids.has(cell.id));
  const partial = cells.length < results.cells.length;
  return {
    ...results,
    variants: results.variants.filter((name) => variants.has(name)),
    datasets: results.datasets.filter((name) => datasets.has(name)),
    cells,
    totals: countStatuses(cells),
    ...(partial ? { partOf: { variants: results.variants, datasets: results.datasets } } : {}),
  };
}

/** Writes `runs/<record>.json` under `resultsDir` and removes the oldest records past `keep`; returns its path. */
export async function writeRunRecord(resultsDir: string, record: ExperimentResults, keep = RUN_RECORDS_KEPT): Promise<string> {
  const dir = path.join(resultsDir, RUNS);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${recordName(record)}.json`);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(temp, file);
  const names = await runRecordNames(resultsDir);
  await Promise.all(names.slice(0, Math.max(0, names.length - keep)).map((name) => rm(path.join(dir, `${name}.json`), { force: true })));
  return file;
}

/** Names of the kept run records, oldest first. */
export async function runRecordNames(resultsDir: string): Promise<string[]> {
  const entries = await readdir(path.join(resultsDir, RUNS)).catch(() => [] as string[]);
  return entries
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .sort();
}

/** The folder's `results.json` when there is a readable one of this experiment, else undefined (a first run). */
export async function previousResults(resultsDir: string, experiment: string): Promise<ExperimentResults | undefined> {
  const file = path.join(resultsDir, 'results.json');
  if (!(await stat(file).catch(() => undefined))) return undefined;
  const results = await readResults(file).catch(() => undefined);
  return results?.experiment === experiment ? results : undefined;
}

/**
 * The merged view as of record `name`, as far as the kept records know it: a full run's record is its
 * whole matrix, read as it is; a partial run's (`RunRecord.partOf`) is its own cells plus each other
 * cell of its matrix (a variant and a dataset it lists) from the newest older record of the same
 * experiment, task and target that has it. A cell whose result was then only in the cache or an
 * earlier `results.json`, with no kept record, is missing. Records stay small (their own cells); the
 * merge is done when a baseline is read.
 */
export async function recordView(resultsDir: string, name: string): Promise<ExperimentResults> {
  const where = path.join(resultsDir, RUNS);
  const { partOf, ...record }: RunRecord = await readResults(path.join(where, `${name}.json`));
  if (!partOf) return record;
  const inMatrix = { variants: new Set(partOf.variants), datasets: new Set(partOf.datasets) };
  const older = (await runRecordNames(resultsDir)).filter((item) => item < name).reverse();
  const cells = [...record.cells];
  const ids = new Set(cells.map((cell) => cell.id));
  const pairs = new Set(cells.map((cell) => `${cell.variant}\u0000${cell.dataset}`));
  let splits = record.splits;
  for (const each of older) {
    const earlier = await readResults(path.join(where, `${each}.json`)).catch(() => undefined);
    if (!earlier || !sameSubject(earlier, record)) continue;
    for (const cell of earlier.cells) {
      const pair = `${cell.variant}\u0000${cell.dataset}`;
      if (ids.has(cell.id) || pairs.has(pair) || !inMatrix.variants.has(cell.variant) || !inMatrix.datasets.has(cell.dataset)) continue;
      ids.add(cell.id);
      pairs.add(pair);
      cells.push(cell);
    }
    const kept = Object.entries(earlier.splits ?? {}).filter(([dataset]) => inMatrix.datasets.has(dataset));
    if (kept.length) splits = { ...Object.fromEntries(kept), ...splits };
  }
  if (cells.length === record.cells.length) return record;
  // in the matrix's order, as results.json has them (Sets: linear in a large matrix)
  const present = { variants: new Set(cells.map((cell) => cell.variant)), datasets: new Set(cells.map((cell) => cell.dataset)) };
  const variants = partOf.variants.filter((variant) => present.variants.has(variant));
  const datasets = partOf.datasets.filter((dataset) => present.datasets.has(dataset));
  return { ...record, variants, datasets, ...(splits ? { splits } : {}), cells, totals: countStatuses(cells) };
}

/** The same experiment, task and target: results that may be compared, or merged. */
function sameSubject(a: BaselineSubject, b: BaselineSubject): boolean {
  return a.experiment === b.experiment && a.evaluation.task === b.evaluation.task && a.evaluation.target === b.evaluation.target;
}

/** What a baseline must share with the run it is compared with. */
export interface BaselineSubject {
  experiment: string;
  evaluation: Pick<ExperimentResults['evaluation'], 'task' | 'target'>;
}

/**
 * Why `baseline` may not be compared with `current` (another experiment, task or target: two
 * different things under one name), e.g. `a run of experiment "b" (regression of price), not of
 * experiment "a" (classification of price)`; undefined when it may. The one policy of the CLI's
 * `--baseline` and the GitHub steps' base-branch baseline.
 */
export function baselineMismatch(baseline: BaselineSubject, current: BaselineSubject): string | undefined {
  if (sameSubject(baseline, current)) return undefined;
  const what = (results: BaselineSubject) =>
    `experiment "${results.experiment}" (${results.evaluation.task} of ${results.evaluation.target})`;
  return `a run of ${what(baseline)}, not of ${what(current)}`;
}
