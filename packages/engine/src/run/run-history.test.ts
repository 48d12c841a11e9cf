import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExperimentResults } from '@mxn/core';
import { sampleResults } from '@mxn/report/testing';
import { describe, expect, it } from 'vitest';
import { recordName, resolveBaseline, runRecord, runRecordNames, writeRunRecord } from './run-history.js';

const at = (minute: number): ExperimentResults => ({
  ...sampleResults(),
  runId: `run-${minute}`,
  startedAt: new Date(Date.UTC(2026, 10, 30, 10, minute)).toISOString(),
});

describe('run history', () => {
  it('keeps one record per run, named by start time and run id, and only the newest ones', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mxn-history-'));
    for (let minute = 0; minute < 5; minute++) await writeRunRecord(dir, at(minute), 3);
    expect(await runRecordNames(dir)).toEqual(['20261130T100200000Z-run-2', '20261130T100300000Z-run-3', '20261130T100400000Z-run-4']);
    expect(await readdir(path.join(dir, 'runs'))).toHaveLength(3);
    expect(recordName(at(7))).toBe('20261130T100700000Z-run-7');
  });

  it("keeps a run's own cells in its record", () => {
    const results = sampleResults();
    const [one] = results.cells;
    const record = runRecord(results, [one!]);
    expect(record.cells).toEqual([one]);
    expect(record.variants).toEqual([one!.variant]);
    expect(record.datasets).toEqual([one!.dataset]);
    expect(Object.values(record.totals).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('builds the record of a 100,000-cell run in linear time (Sets, not a search per variant)', { timeout: 60_000 }, () => {
    const results = sampleResults();
    const template = results.cells[0]!;
    const cells = Array.from({ length: 100_000 }, (_, index) => ({
      ...template,
      id: `v${index >> 1}@d${index & 1}`,
      variant: `v${index >> 1}`,
      dataset: `d${index & 1}`,
    }));
    const big = {
      ...results,
      cells,
      variants: cells.filter((_, index) => index % 2 === 0).map((cell) => cell.variant),
      datasets: ['d0', 'd1'],
    };
    const started = performance.now();
    const record = runRecord(big, cells);
    // a search through the selected cells per variant took about 10 s here; the Sets take milliseconds
    expect(performance.now() - started).toBeLessThan(1500);
    expect(record.variants).toHaveLength(50_000);
    expect(record.datasets).toEqual(['d0', 'd1']);
    expect(record.cells).toHaveLength(100_000);
  });

  it('finds the previous run or a run id, and refuses another experiment or task with one line', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mxn-history-'));
    for (const minute of [1, 2, 3]) await writeRunRecord(dir, at(minute));
    expect((await resolveBaseline('previous', { resultsDir: dir, current: at(3) })).runId).toBe('run-2');
    expect((await resolveBaseline('previous', { resultsDir: dir, current: at(9) })).runId).toBe('run-3');
    expect((await resolveBaseline('run-1', { resultsDir: dir, current: at(3) })).runId).toBe('run-1');
    await expect(resolveBaseline('previous', { resultsDir: dir, current: at(1) })).rejects.toThrow(/no earlier run of .* is kept in/);
    await expect(resolveBaseline('run-8', { resultsDir: dir, current: at(3) })).rejects.toThrow(/no such run in .*, and no such file/);

    const other = path.join(dir, 'other.json');
    await writeFile(other, JSON.stringify({ ...at(0), experiment: 'other' }));
    await expect(resolveBaseline(other, { resultsDir: dir, current: at(3) })).rejects.toThrow(/is a run of experiment "other"/);
    const task = { ...at(3), evaluation: { ...at(3).evaluation, task: 'classification' as const } };
    await expect(resolveBaseline('previous', { resultsDir: dir, current: task })).rejects.toThrow(/refusing to compare them/);
  });
});
