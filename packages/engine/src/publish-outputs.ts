/**
 * Copies a run's final results and every cell's outputs to the experiment's `outputs:` store
 * (for example back to S3): `results.json`, `summary.md`, `report.html`, `cells/<cell id>/…` and
 * `aggregate/…`. Unchanged objects are skipped, so publishing again is cheap.
 */
import { copy, openStore } from '@mxn/storage';
import { outputPaths, type ExperimentResults } from '@mxn/core';
import type { WrittenResults } from '@mxn/report';

export interface PublishReport {
  uri: string;
  objects: number;
  skipped: number;
  bytes: number;
}

export async function publishOutputs(
  results: ExperimentResults,
  written: WrittenResults,
  outputsUri: string,
  options: { cwd?: string } = {},
): Promise<PublishReport> {
  const target = await openStore(outputsUri, options.cwd);
  const report: PublishReport = { uri: target.uri, objects: 0, skipped: 0, bytes: 0 };
  const add = (result: Awaited<ReturnType<typeof copy>>) => {
    report.objects += result.copied.length;
    report.skipped += result.skipped.length;
    report.bytes += result.bytes;
  };
  // A single file copied into a Store keeps its name.
  for (const file of [written.results, written.summary, written.report]) add(await copy(file, target));
  const sources = [
    ...results.cells.filter((cell) => cell.status !== 'cancelled').map((cell) => ({ from: cell.output, to: outputPaths.cell(cell.id) })),
    ...(results.aggregate ? [{ from: results.aggregate.output, to: outputPaths.aggregate }] : []),
  ];
  for (const { from, to } of sources) add(await copy(await openStore(from), target.child(to)));
  return report;
}
