/**
 * Batch task ids of a run's cells. A first run numbers its cells 1..N in order. A re-attached run
 * (the job exists) may list fewer cells than the run that created the job — the cells that finished
 * meanwhile are cached — so ids come from the job itself: a cell that already has a task (matched by
 * `displayName`, the cell id) keeps that task's id, and a cell without one takes the lowest integer id
 * no task holds (gaps first, then above the highest), so cell ids stay one dense range for the aggregate.
 */
import type { TaskSpec } from '@mxn/core';
import type { BatchClient } from './client.js';

/** The tasks a job already holds, as `listJobTasks` reads them. */
export interface JobTasks {
  /** Cell id (`displayName`) → Batch id of its task (the lowest integer id when a cell has several). */
  byCell: Map<string, string>;
  /** Every task id in the job. */
  ids: Set<string>;
}

/** A cell of this run with the Batch id it runs under; `exists` when the job already holds its task. */
export interface AssignedTask {
  batchId: string;
  spec: TaskSpec;
  exists: boolean;
}

const INTEGER_ID = /^[1-9]\d*$/;

/** Every task of the job: id and displayName, in pages of `pageSize` (default 1000, the service's maximum). */
export async function listJobTasks(client: BatchClient, jobId: string, pageSize = 1000): Promise<JobTasks> {
  const tasks: JobTasks = { byCell: new Map(), ids: new Set() };
  let page = await client.task.list(jobId, { taskListOptions: { select: 'id,displayName,state', maxResults: pageSize } });
  for (;;) {
    for (const task of page) {
      if (!task.id) continue;
      tasks.ids.add(task.id);
      if (!INTEGER_ID.test(task.id) || !task.displayName) continue;
      const known = tasks.byCell.get(task.displayName);
      if (known === undefined || Number(task.id) < Number(known)) tasks.byCell.set(task.displayName, task.id);
    }
    if (!page.odatanextLink) return tasks;
    page = await client.task.listNext(page.odatanextLink);
  }
}

/** Ids for `cells`: existing tasks by cell id, the rest the free integer ids from 1 up, in order. */
export function assignTaskIds(cells: TaskSpec[], job: JobTasks = { byCell: new Map(), ids: new Set() }): AssignedTask[] {
  let next = 1;
  const freeId = (): string => {
    while (job.ids.has(String(next))) next++;
    return String(next++);
  };
  return cells.map((spec) => {
    const existing = job.byCell.get(spec.id);
    return existing !== undefined ? { batchId: existing, spec, exists: true } : { batchId: freeId(), spec, exists: false };
  });
}

/** The end of the id range 1..end that covers every cell task of the job once `cells` are added. */
export function cellRangeEnd(job: JobTasks, cells: AssignedTask[]): number {
  let end = 0;
  for (const id of [...job.ids, ...cells.map((cell) => cell.batchId)]) if (INTEGER_ID.test(id)) end = Math.max(end, Number(id));
  return end;
}
