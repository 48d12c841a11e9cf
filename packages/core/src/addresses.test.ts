import { describe, expect, it } from 'vitest';
import {
  aggregateKey,
  cachePaths,
  cellKey,
  inputKey,
  outputPaths,
  projectPaths,
  runIdOf,
  stagingPaths,
  storeAddresses,
  type CellKeyParts,
} from './addresses.js';

const cell: CellKeyParts = {
  inputKey: 'i1',
  image: 'context:abc',
  runtime: 'container',
  command: ['python', 'train.py'],
  params: { alpha: 0.1, depth: 3 },
  evaluation: { target: 'price', metrics: ['rmse'] },
};

describe('inputKey', () => {
  it('depends on the files, the target and the split, but not on the split when a test set is given', () => {
    const base = { train: ['a.parquet', 10], test: undefined, target: 'price', split: { test: 0.2, seed: 1 } };
    expect(inputKey(base)).toBe(inputKey({ ...base }));
    expect(inputKey({ ...base, target: 'rent' })).not.toBe(inputKey(base));
    expect(inputKey({ ...base, split: { test: 0.3, seed: 1 } })).not.toBe(inputKey(base));
    expect(inputKey({ ...base, train: ['a.parquet', 11] })).not.toBe(inputKey(base));
    const withTest = { ...base, test: ['b.parquet', 5] };
    expect(inputKey({ ...withTest, split: { test: 0.5, seed: 9 } })).toBe(inputKey(withTest));
  });
});

describe('cellKey', () => {
  it('is the same for the same parts, whatever the order of params', () => {
    expect(cellKey({ ...cell, params: { depth: 3, alpha: 0.1 } })).toBe(cellKey(cell));
    expect(cellKey(cell)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with every part a result depends on', () => {
    const changed: Array<Partial<CellKeyParts>> = [
      { inputKey: 'i2' },
      { image: 'context:abd' },
      { runtime: 'process' },
      { command: ['python', 'fit.py'] },
      { params: { alpha: 0.2, depth: 3 } },
      { evaluation: { target: 'price', metrics: ['mae'] } },
    ];
    const keys = new Set([cellKey(cell), ...changed.map((change) => cellKey({ ...cell, ...change }))]);
    expect(keys.size).toBe(changed.length + 1);
  });
});

describe('runIdOf', () => {
  it('names the experiment and does not depend on the order of the cells', () => {
    const id = runIdOf('housing', { cellKeys: ['b', 'a'], aggregate: undefined, runtime: 'container' });
    expect(id).toMatch(/^housing-[0-9a-f]{12}$/);
    expect(runIdOf('housing', { cellKeys: ['a', 'b'], aggregate: undefined, runtime: 'container' })).toBe(id);
    expect(runIdOf('housing', { cellKeys: ['a'], aggregate: undefined, runtime: 'container' })).not.toBe(id);
    expect(runIdOf('housing', { cellKeys: ['a', 'b'], aggregate: undefined, runtime: 'process' })).not.toBe(id);
  });
});

describe('aggregateKey', () => {
  it('depends on which cells the aggregate ran over and how they ended', () => {
    const cells = [
      { key: 'a', outcome: 'succeeded' },
      { key: 'b', outcome: 'failed' },
    ];
    expect(aggregateKey({ command: ['x'] }, cells)).toBe(
      aggregateKey(
        { command: ['x'] },
        cells.map((c) => ({ ...c })),
      ),
    );
    expect(aggregateKey({ command: ['x'] }, [cells[0]!, { key: 'b', outcome: 'succeeded' }])).not.toBe(
      aggregateKey({ command: ['x'] }, cells),
    );
    expect(aggregateKey({ command: ['y'] }, cells)).not.toBe(aggregateKey({ command: ['x'] }, cells));
  });
});

describe('cachePaths', () => {
  it('stores one result per cell key and reads the key back from the path', () => {
    const key = cellKey(cell);
    expect(cachePaths.cell(key)).toBe(`${cachePaths.cellsPrefix}${key}.json`);
    expect(cachePaths.cellKeyOf(cachePaths.cell(key))).toBe(key);
    expect(cachePaths.cellKeyOf(`${cachePaths.cellsPrefix}${key}.tmp`)).toBeUndefined();
    expect(cachePaths.cellKeyOf(cachePaths.aggregate(key))).toBeUndefined();
  });

  it("keeps digests and labels out of the cells' prefix, so a lookup never takes them for results", () => {
    const key = cellKey(cell);
    for (const stored of [cachePaths.digest(cachePaths.cell(key)), cachePaths.labels(key)]) {
      expect(stored.startsWith(cachePaths.cellsPrefix)).toBe(false);
      expect(cachePaths.cellKeyOf(stored)).toBeUndefined();
    }
    expect(cachePaths.digest(cachePaths.cell(key))).not.toBe(cachePaths.digest(cachePaths.aggregate(key)));
  });
});

describe('stagingPaths', () => {
  it('gives every task prefix its own place', () => {
    const task = [
      stagingPaths.inputs('k'),
      stagingPaths.cellOutput('k'),
      stagingPaths.aggregateInput('r'),
      stagingPaths.aggregateOutput('r'),
    ];
    expect(new Set(task).size).toBe(task.length);
    expect(Object.keys(stagingPaths)).not.toContain('labels');
  });

  it('publishes cells by readable id beside the aggregate', () => {
    expect(outputPaths.cell('ridge[alpha=0.1]@seoul')).toBe('cells/ridge[alpha=0.1]@seoul');
    expect(outputPaths.aggregate).not.toMatch(/^cells\//);
  });
});

describe('storeAddresses', () => {
  const experiment = (compute: { staging?: string; cache?: string } = {}) => ({ root: '/p', spec: { compute } });
  const backend = { defaultStagingUri: () => 'az://acct/backend' };

  it('takes staging from the override, the file, MXN_STAGING, the backend, then .mxn, in that order', () => {
    const env = { MXN_STAGING: 's3://env/staging' };
    expect(storeAddresses(experiment({ staging: 's3://file' }), { staging: 's3://flag', backend, env }).staging).toBe('s3://flag');
    expect(storeAddresses(experiment({ staging: 's3://file' }), { backend, env }).staging).toBe('s3://file');
    expect(storeAddresses(experiment(), { backend, env }).staging).toBe('s3://env/staging');
    expect(storeAddresses(experiment(), { backend, env: {} }).staging).toBe('az://acct/backend');
    expect(storeAddresses(experiment(), { env: {} }).staging).toBe('/p/.mxn');
  });

  it('caches in compute.cache, else wherever it stages', () => {
    expect(storeAddresses(experiment({ cache: 's3://cache' }), { staging: 's3://flag', env: {} })).toEqual({
      staging: 's3://flag',
      cache: 's3://cache',
    });
    expect(storeAddresses(experiment(), { staging: 's3://flag', env: {} })).toEqual({ staging: 's3://flag', cache: 's3://flag' });
    expect(storeAddresses(experiment(), { env: {} })).toEqual({ staging: '/p/.mxn', cache: '/p/.mxn' });
  });

  it('keeps the cache of a Blob staging store in a sibling container no task token covers', () => {
    expect(storeAddresses(experiment(), { staging: 'az://acct/mxn/staging/run', env: {} })).toEqual({
      staging: 'az://acct/mxn/staging/run',
      cache: 'az://acct/mxn-private/staging/run',
    });
    expect(storeAddresses(experiment(), { backend, env: {} }).cache).toBe('az://acct/backend-private');
    expect(storeAddresses(experiment(), { staging: 'https://acct.blob.core.windows.net/mxn/a%20b', env: {} }).cache).toBe(
      'https://acct.blob.core.windows.net/mxn-private/a%20b',
    );
    expect(storeAddresses(experiment({ cache: 'az://acct/other/c' }), { staging: 'az://acct/mxn/s', env: {} }).cache).toBe(
      'az://acct/other/c',
    );
  });

  it('refuses a cache a task token could write, and a staging store it cannot find a private sibling for, naming the file', () => {
    const file = { root: '/p', file: '/p/experiments/x.yaml', spec: { compute: { cache: 'az://ACCT/mxn/cache' } } };
    expect(() => storeAddresses(file, { staging: 'az://acct/mxn/staging', env: {} })).toThrow(
      /^\/p\/experiments\/x\.yaml: compute\.cache az:\/\/ACCT\/mxn\/cache is in the staging container mxn/,
    );
    expect(() => storeAddresses(experiment(), { staging: `az://acct/${'c'.repeat(60)}/s`, env: {} })).toThrow(/too long/);
    expect(() => storeAddresses(experiment(), { staging: 'https://acct.blob.core.windows.net/mxn/s?sv=1&sig=x', env: {} })).toThrow(
      /carries a SAS/,
    );
  });
});

describe('projectPaths', () => {
  it("keeps results per experiment and this machine's state apart", () => {
    expect(projectPaths.results('housing')).toBe('results/housing');
    expect(projectPaths.results('housing').startsWith(projectPaths.state)).toBe(false);
  });
});
