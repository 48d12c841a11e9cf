/**
 * What the aggregate task downloads besides the cells' outputs: `manifest.json`, written before
 * anything is submitted (cells that have not run yet are `pending`; the task's wrapper resolves them
 * from each cell's `exit_code`), and the cell list its wrapper lays `cells/<id>/` out from.
 */
import { buildManifest, type RunSpec } from '@mxn/core';
import type { AggregateManifest } from '@mxn/model-kit';
import { joinKey, type Store } from '@mxn/storage';
import { cellListKey } from './task-bodies.js';

/** The manifest with every cell that runs in this job `pending` and every cached one `cached`. */
export function pendingManifest(spec: RunSpec): AggregateManifest {
  const manifest = buildManifest(spec, []);
  const ran = new Set(spec.tasks.map((task) => task.id));
  return { ...manifest, cells: manifest.cells.map((cell) => (ran.has(cell.id) ? { ...cell, status: 'pending' as const } : cell)) };
}

/** JSON with one cell per line, so the task's shell wrapper can rewrite statuses line by line. */
export function manifestText(manifest: AggregateManifest): string {
  const { cells, ...head } = manifest;
  const top = JSON.stringify(head).slice(0, -1);
  return `${top},"cells":[\n${cells.map((cell) => JSON.stringify(cell)).join(',\n')}\n]}\n`;
}

/**
 * Writes manifest.json into the aggregate's input prefix and the cell list next to it. Returns the
 * output prefix of every cell, in list order.
 */
export async function writeAggregateInputs(store: Store, spec: RunSpec, blobName: (key: string) => string): Promise<string[]> {
  const aggregate = spec.aggregate!;
  const cells = [
    ...spec.tasks.map((task) => ({ id: task.id, outputPrefix: task.outputPrefix })),
    ...(spec.cached ?? []).map((cell) => ({ id: cell.id, outputPrefix: cell.outputPrefix })),
  ];
  await store.write(joinKey(aggregate.inputPrefix, 'manifest.json'), manifestText(pendingManifest(spec)), {
    contentType: 'application/json',
  });
  await store.write(cellListKey(aggregate.inputPrefix), cells.map((cell) => `${cell.id}\t${blobName(cell.outputPrefix)}\n`).join(''), {
    contentType: 'text/tab-separated-values',
  });
  return cells.map((cell) => cell.outputPrefix);
}
