import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '@mxn/core';
import { assignTaskIds, cellRangeEnd, listJobTasks, type JobTasks } from './task-ids.js';
import type { BatchClient } from './client.js';

const cell = (id: string) =>
  ({ id, kind: 'cell', model: 'm', dataset: id, command: ['x'], env: {}, inputPrefix: `${id}/in`, outputPrefix: `${id}/out` }) as TaskSpec;
const job = (tasks: Record<string, string>): JobTasks => ({
  byCell: new Map(
    Object.entries(tasks)
      .filter(([id]) => /^\d+$/.test(id))
      .map(([id, name]) => [name, id]),
  ),
  ids: new Set(Object.keys(tasks)),
});

describe('task ids', () => {
  it('numbers a first run 1..N in order', () => {
    const cells = assignTaskIds(['a', 'b', 'c'].map(cell));
    expect(cells.map((c) => [c.spec.id, c.batchId, c.exists])).toEqual([
      ['a', '1', false],
      ['b', '2', false],
      ['c', '3', false],
    ]);
    expect(cellRangeEnd(job({}), cells)).toBe(3);
  });

  it('re-attaches the cells still to run to their own tasks when the cached ones are left out', () => {
    // The first process ran a..d as 1..4; a and b finished and are cached, so this run lists c and d only.
    const existing = job({ 1: 'a', 2: 'b', 3: 'c', 4: 'd', aggregate: 'aggregate' });
    const cells = assignTaskIds(['c', 'd'].map(cell), existing);
    expect(cells.map((c) => [c.spec.id, c.batchId, c.exists])).toEqual([
      ['c', '3', true],
      ['d', '4', true],
    ]);
  });

  it('gives cells missing from the job free ids, gaps first, and the aggregate a range over every cell task', () => {
    const existing = job({ 1: 'a', 3: 'c', 4: 'd' });
    const cells = assignTaskIds(['d', 'b', 'e'].map(cell), existing);
    expect(cells.map((c) => [c.spec.id, c.batchId, c.exists])).toEqual([
      ['d', '4', true],
      ['b', '2', false],
      ['e', '5', false],
    ]);
    expect(cellRangeEnd(existing, cells)).toBe(5);
    expect(cellRangeEnd(job({ 1: 'a', 7: 'g', aggregate: 'aggregate' }), assignTaskIds(['a'].map(cell), job({ 1: 'a', 7: 'g' })))).toBe(7);
  });

  it('lists every page of the job and maps display names to integer ids', async () => {
    const pages: Record<string, Array<{ id: string; displayName?: string }> & { odatanextLink?: string }> = {
      first: Object.assign(
        [
          { id: '2', displayName: 'b' },
          { id: 'aggregate', displayName: 'aggregate' },
        ],
        { odatanextLink: 'next' },
      ),
      next: [
        { id: '1', displayName: 'a' },
        { id: '5', displayName: 'b' },
      ],
    };
    const selects: string[] = [];
    const client = {
      task: {
        list: async (_job: string, options: { taskListOptions: { select: string } }) => {
          selects.push(options.taskListOptions.select);
          return pages.first;
        },
        listNext: async (link: string) => pages[link],
      },
    } as unknown as BatchClient;
    const tasks = await listJobTasks(client, 'job');
    expect(selects[0]).toContain('displayName');
    expect([...tasks.ids].sort()).toEqual(['1', '2', '5', 'aggregate']);
    expect(Object.fromEntries(tasks.byCell)).toEqual({ a: '1', b: '2' });
  });
});
