import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeParquetFile } from '@mxn/data';
import { ModelKitError } from './errors.js';
import { readTaskInputs } from './task-inputs.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'model-kit-inputs-'));
  await writeParquetFile(join(dir, 'in', 'train.parquet'), {
    names: ['x', 'kind', 'price'],
    columns: { x: Float64Array.of(1, 2, 3), kind: ['a', 'b', null], price: Float64Array.of(10, 20, 30) },
    numRows: 3,
  });
  await writeParquetFile(join(dir, 'in', 'test.parquet'), {
    names: ['x', 'kind'],
    columns: { x: Float64Array.of(4, 5), kind: ['b', 'c'] },
    numRows: 2,
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    MXN_INPUT_DIR: join(dir, 'in'),
    MXN_OUTPUT_DIR: join(dir, 'out'),
    MXN_TARGET: 'price',
    MXN_PARAMS: '{"alpha":0.5,"grid":[1,2]}',
    MXN_CELL_ID: 'ridge-alpha-0.5__seoul',
    MXN_MODEL: 'ridge',
    MXN_DATASET: 'seoul',
    ...overrides,
  };
}

describe('readTaskInputs', () => {
  it('reads train and test tables, the target, params and names from the protocol variables', async () => {
    const inputs = await readTaskInputs({ env: env() });
    expect(inputs.train.numRows).toBe(3);
    expect(inputs.test.numRows).toBe(2);
    expect(Array.from(inputs.train.columns.price as Float64Array)).toEqual([10, 20, 30]);
    expect(inputs.test.columns.kind).toEqual(['b', 'c']);
    expect(inputs.params).toEqual({ alpha: 0.5, grid: [1, 2] });
    expect(inputs).toMatchObject({
      target: 'price',
      cellId: 'ridge-alpha-0.5__seoul',
      model: 'ridge',
      dataset: 'seoul',
      outputDir: join(dir, 'out'),
    });
  });

  it('treats an unset MXN_PARAMS as no parameters', async () => {
    const inputs = await readTaskInputs({ env: env({ MXN_PARAMS: undefined }) });
    expect(inputs.params).toEqual({});
  });

  it.each(['MXN_INPUT_DIR', 'MXN_OUTPUT_DIR', 'MXN_TARGET', 'MXN_CELL_ID', 'MXN_MODEL', 'MXN_DATASET'])(
    'names %s when it is missing',
    async (name) => {
      const error = await readTaskInputs({ env: env({ [name]: undefined }) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelKitError);
      expect((error as ModelKitError).code).toBe('MissingEnv');
      expect((error as Error).message).toContain(name);
    },
  );

  it.each([
    ['not json', 'not valid JSON'],
    ['[1,2]', 'must be a JSON object'],
    ['3', 'must be a JSON object'],
  ])('rejects MXN_PARAMS=%s', async (raw, reason) => {
    const error = await readTaskInputs({ env: env({ MXN_PARAMS: raw }) }).catch((e: unknown) => e);
    expect((error as ModelKitError).code).toBe('InvalidEnv');
    expect((error as Error).message).toContain('MXN_PARAMS');
    expect((error as Error).message).toContain(reason);
  });

  it('fails clearly when train has no target column', async () => {
    await expect(readTaskInputs({ env: env({ MXN_TARGET: 'rent' }) })).rejects.toThrow(
      /no target column "rent" \(columns: x, kind, price\)/,
    );
  });

  it('names the input file that does not exist', async () => {
    const error = await readTaskInputs({ env: env({ MXN_INPUT_DIR: join(dir, 'nowhere') }) }).catch((e: unknown) => e);
    expect((error as ModelKitError).code).toBe('InvalidInput');
    expect((error as Error).message).toContain(join(dir, 'nowhere', 'train.parquet'));
  });
});
