import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExperimentResults } from '@mxn/core';
import { sampleResults } from '@mxn/report/testing';
import { describe, expect, it } from 'vitest';
import { baselineMismatch, recordName, recordView, runRecord, runRecordNames, writeRunRecord } from './run-history.js';

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

  it("reads an --only run's record as the merged view of its time: the cells it did not run from the runs before", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mxn-history-'));
    const full = at(1);
    await writeRunRecord(dir, full);
    // the second run ran one cell (of jeju) only, with another value
    const second = { ...at(2), cells: full.cells.map((cell) => ({ ...cell, metrics: { rmse: 1 } })) };
    const jeju = second.cells.filter((cell) => cell.dataset === 'jeju');
    await writeRunRecord(dir, runRecord(second, jeju.slice(0, 1)));
    // a record of another task is never merged in
    const other = { ...at(3), evaluation: { ...full.evaluation, task: 'classification' as const } };
    await writeRunRecord(dir, runRecord(other, other.cells.slice(0, 1)));
    const [, name] = await runRecordNames(dir);
    const view = await recordView(dir, name!);
    expect(view.runId).toBe('run-2');
    expect(view.cells).toHaveLength(full.cells.length);
    expect(view.cells.find((cell) => cell.id === jeju[0]!.id)?.metrics).toEqual({ rmse: 1 });
    expect(view.cells.filter((cell) => cell.metrics.rmse === 1)).toHaveLength(1);
    expect(new Set(view.datasets)).toEqual(new Set(full.datasets));
    expect(new Set(view.variants)).toEqual(new Set(full.variants));
    expect(Object.values(view.totals).reduce((a, b) => a + b, 0)).toBe(full.cells.length);
    // the file itself stays the run's own cells
    expect((await recordView(dir, (await runRecordNames(dir))[0]!)).cells).toHaveLength(full.cells.length);
  });

  it('reads a full run as it is: a dataset or variant it dropped never comes back from older records', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mxn-history-'));
    const full = { ...at(1), splits: Object.fromEntries(at(1).datasets.map((name) => [name, { split: 'random' }])) };
    await writeRunRecord(dir, full);
    // the second run is full, of a matrix without one dataset and one variant
    const [gone] = full.datasets;
    const [dropped] = full.variants;
    const kept = full.cells.filter((cell) => cell.dataset !== gone && cell.variant !== dropped);
    const second: ExperimentResults = {
      ...at(2),
      variants: full.variants.filter((name) => name !== dropped),
      datasets: full.datasets.filter((name) => name !== gone),
      splits: Object.fromEntries(full.datasets.filter((name) => name !== gone).map((name) => [name, { split: 'random' }])),
      cells: kept,
    };
    const record = runRecord(second, kept);
    expect(record.partOf).toBeUndefined();
    await writeRunRecord(dir, record);
    // an --only run of one cell of that smaller matrix: its view is that matrix, not the first run's
    const third = { ...second, runId: 'run-3', startedAt: at(3).startedAt, cells: kept.map((cell) => ({ ...cell, metrics: { rmse: 3 } })) };
    const partial = runRecord(third, third.cells.slice(0, 1));
    expect(partial.partOf).toEqual({ variants: second.variants, datasets: second.datasets });
    await writeRunRecord(dir, partial);
    const [, secondName, thirdName] = await runRecordNames(dir);
    for (const name of [secondName!, thirdName!]) {
      const view = await recordView(dir, name);
      expect(view.cells.map((cell) => cell.id).sort()).toEqual(kept.map((cell) => cell.id).sort());
      expect(view.datasets).toEqual(second.datasets);
      expect(view.variants).toEqual(second.variants);
      expect(Object.keys(view.splits ?? {})).not.toContain(gone);
      expect(view).not.toHaveProperty('partOf');
    }
  });

  it('says why a baseline of another experiment, task or target may not be compared, in one line', () => {
    const base = at(1);
    expect(baselineMismatch(base, base)).toBeUndefined();
    expect(baselineMismatch({ ...base, experiment: 'other' }, base)).toBe(
      'a run of experiment "other" (regression of price), not of experiment "housing-demo" (regression of price)',
    );
    expect(baselineMismatch({ ...base, evaluation: { ...base.evaluation, target: 'rent' } }, base)).toMatch(/\(regression of rent\), not/);
  });
});
