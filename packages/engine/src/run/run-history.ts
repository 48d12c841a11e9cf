/**
 * Run history: every run keeps its own results as `runs/<record>.json` beside `results.json` (the
 * latest merged view), the last `RUN_RECORDS_KEPT` of them. A record is named by its start time and
 * run id (`20261130T101500123Z-<run id>`), so names sort in time, and a rerun of the same plan (the same
 * run id) is a record of its own. `--baseline previous` or `--baseline <run id>` finds one here.
 */
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CellResult, ExperimentResults } from '@mxn/core';
import { MxnError } from '@mxn/errors';
import { readResults } from '@mxn/report';
import { countStatuses } from './run-experiment.js';

/** How many run records a results folder keeps; older ones are removed when a run writes its own. */
const RUN_RECORDS_KEPT = 20;

const RUNS = 'runs';

/** `2026-11-30T10:15:00.123Z` + run id → `20261130T101500123Z-<run id>`. */
export function recordName(results: Pick<ExperimentResults, 'startedAt' | 'runId'>): string {
  return `${results.startedAt.replace(/[-:.]/g, '')}-${results.runId}`;
}

/** The run's own record: its selected cells only, with their counts. */
export function runRecord(results: ExperimentResults, selected: CellResult[]): ExperimentResults {
  const ids = new Set(selected.map((cell) => cell.id));
  const variants = new Set(selected.map((cell) => cell.variant));
  const datasets = new Set(selected.map((cell) => cell.dataset));
  const cells = results.cells.filter((cell) => ids.has(cell.id));
  return {
    ...results,
    variants: results.variants.filter((name) => variants.has(name)),
    datasets: results.datasets.filter((name) => datasets.has(name)),
    cells,
    totals: countStatuses(cells),
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
 * The results a `--baseline` names: `previous` (the newest record of a run that started before
 * `current`), a record name or run id kept under `resultsDir/runs`, or a results file. A baseline of
 * another experiment, task or target is refused: it would compare two different things under one name.
 */
export async function resolveBaseline(
  ref: string,
  options: { resultsDir: string; current: Pick<ExperimentResults, 'experiment' | 'startedAt' | 'runId' | 'evaluation'> },
): Promise<ExperimentResults> {
  const { resultsDir, current } = options;
  const names = await runRecordNames(resultsDir);
  const where = path.join(resultsDir, RUNS);
  let baseline: ExperimentResults;
  let label = ref;
  if (ref === 'previous') {
    const before = recordName(current);
    const name = names.filter((item) => item < before).at(-1);
    if (!name)
      throw new MxnError('Usage', `--baseline previous: no earlier run of ${current.experiment} is kept in ${where}`, {
        hint: 'run the experiment again first, or pass --baseline <run id | results.json>',
      });
    baseline = await readResults(path.join(where, `${name}.json`));
    label = `previous (${name})`;
  } else {
    const name = names.filter((item) => item === ref || item.endsWith(`-${ref}`)).at(-1);
    if (name) baseline = await readResults(path.join(where, `${name}.json`));
    else if (await stat(ref).catch(() => undefined)) baseline = await readResults(ref);
    else
      throw new MxnError('Usage', `--baseline ${ref}: no such run in ${where}, and no such file`, {
        hint: names.length ? `kept runs: ${names.slice(-5).join(', ')}; or pass previous` : 'pass previous, a run id or a results.json',
      });
  }
  const what = (results: Pick<ExperimentResults, 'experiment' | 'evaluation'>) =>
    `experiment "${results.experiment}" (${results.evaluation.task} of ${results.evaluation.target})`;
  if (
    baseline.experiment !== current.experiment ||
    baseline.evaluation.task !== current.evaluation.task ||
    baseline.evaluation.target !== current.evaluation.target
  )
    throw new MxnError('Usage', `--baseline ${label} is a run of ${what(baseline)}, not of ${what(current)}: refusing to compare them`, {
      hint: `pass a run of ${current.experiment} with the same task and target, e.g. --baseline previous`,
    });
  return baseline;
}
