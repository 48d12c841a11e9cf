import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeParquetFile } from '@mxn/data';
import { readAggregateInputs, readCellPredictions } from './aggregate-inputs.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'model-kit-aggregate-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readAggregateInputs', () => {
  it('reads manifest.json and the cells’ predictions from the input folder', async () => {
    const input = join(dir, 'ok');
    const manifest = {
      version: 1,
      experiment: 'e',
      runId: 'r',
      target: 'price',
      cells: [{ id: 'ridge__a', model: 'ridge', dataset: 'a', status: 'succeeded', dir: 'cells/ridge__a' }],
    };
    await mkdir(input, { recursive: true });
    await writeFile(join(input, 'manifest.json'), JSON.stringify(manifest));
    await writeParquetFile(join(input, 'cells/ridge__a/predictions.parquet'), {
      names: ['prediction'],
      columns: { prediction: Float64Array.of(7, 8) },
      numRows: 2,
    });

    const inputs = await readAggregateInputs({ env: { MXN_INPUT_DIR: input, MXN_OUTPUT_DIR: join(dir, 'out') } });
    expect(inputs.manifest).toEqual(manifest);
    const [cell] = inputs.manifest.cells;
    const table = await readCellPredictions(input, cell as (typeof inputs.manifest.cells)[number]);
    expect(Array.from(table.columns.prediction as Float64Array)).toEqual([7, 8]);
    await expect(readCellPredictions(input, { id: 'gone', dir: 'cells/gone' })).rejects.toThrow(/cell gone: cannot read/);
  });

  it('resolves pending cells from their exit_code: 0 succeeded, other or missing failed', async () => {
    const input = join(dir, 'pending');
    const cell = (id: string, status: string) => ({ id, model: 'm', dataset: id, status, dir: `cells/${id}` });
    const manifest = {
      version: 1,
      experiment: 'e',
      runId: 'r',
      target: 'y',
      cells: [cell('ok', 'pending'), cell('bad', 'pending'), cell('lost', 'pending'), cell('kept', 'cached')],
    };
    await mkdir(join(input, 'cells/ok'), { recursive: true });
    await mkdir(join(input, 'cells/bad'), { recursive: true });
    await writeFile(join(input, 'manifest.json'), JSON.stringify(manifest));
    await writeFile(join(input, 'cells/ok/exit_code'), '0\n');
    await writeFile(join(input, 'cells/bad/exit_code'), '3\n');

    const inputs = await readAggregateInputs({ env: { MXN_INPUT_DIR: input, MXN_OUTPUT_DIR: join(dir, 'out') } });
    expect(Object.fromEntries(inputs.manifest.cells.map((c) => [c.id, c.status]))).toEqual({
      ok: 'succeeded',
      bad: 'failed',
      lost: 'failed',
      kept: 'cached',
    });
  });

  it('fails clearly without a manifest or without its variables', async () => {
    await expect(readAggregateInputs({ env: { MXN_INPUT_DIR: join(dir, 'empty'), MXN_OUTPUT_DIR: dir } })).rejects.toThrow(
      /cannot read .*manifest\.json/,
    );
    await expect(readAggregateInputs({ env: { MXN_OUTPUT_DIR: dir } })).rejects.toThrow('MXN_INPUT_DIR');
  });
});
