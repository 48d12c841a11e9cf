// A run's plan reads no data: staging counts a split's sides as it splits, so the plan of a run (and
// the full plan an `--only` run makes for the rest of the matrix) never reads a split's column.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeTable, writeParquetFile } from '@mxn/data';
import { localStore, type ReadOptions, type Store } from '@mxn/storage';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../backends/create-backend.js';
import { loadExperiment } from '../experiment-schema.js';
import { runExperiment } from './run-experiment.js';

const experiment = `name: sides
datasets:
  - { name: a, train: data/a.parquet }
  - { name: b, train: data/b.parquet }
models:
  - { name: m, build: models/m, command: [node, train.js] }
evaluation: { target: y, split: { group: building, seed: 3 } }
compute: { retries: 0 }
`;

describe('runExperiment', () => {
  it("plans without reading a split's column, also for the rest of an --only run's matrix", async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mxn-run-sides-'));
    const n = 30;
    const table = makeTable(['x', 'building', 'y'], {
      x: Float64Array.from({ length: n }, (_, i) => i),
      building: Array.from({ length: n }, (_, i) => `b${i % 5}`),
      y: Float64Array.from({ length: n }, (_, i) => i * 2),
    });
    for (const name of ['a', 'b']) await writeParquetFile(path.join(root, 'data', `${name}.parquet`), table);
    await mkdir(path.join(root, 'models', 'm'), { recursive: true });
    await writeFile(path.join(root, 'models', 'm', 'train.js'), 'process.exit(3);\n');
    await mkdir(path.join(root, 'experiments'));
    const file = path.join(root, 'experiments', 'sides.yaml');
    await writeFile(file, experiment);
    const loaded = await loadExperiment(file);

    // every read of each dataset's store after loading, by dataset
    const reads = { a: 0, b: 0 };
    for (const dataset of loaded.datasets) {
      const store = dataset.train.store;
      const name = dataset.name as 'a' | 'b';
      dataset.train.store = Object.assign(Object.create(store) as Store, {
        read: (key: string, options?: ReadOptions) => {
          reads[name]++;
          return store.read(key, options);
        },
      });
    }
    const staging = localStore({ root: path.join(root, '.mxn') });
    const backend = await createBackend('local', { runtime: 'process', experiment: loaded });
    let readsAtPlan: typeof reads | undefined;
    const { results, plan } = await runExperiment(loaded, {
      backend,
      staging,
      cache: staging,
      only: [{ dataset: 'a' }],
      onPlan: () => {
        readsAtPlan = { ...reads };
      },
    });
    expect(readsAtPlan).toEqual({ a: 0, b: 0 });
    // a was staged (read) and split there; b was neither staged nor read for the full plan of the matrix
    expect(reads.a).toBeGreaterThan(0);
    expect(reads.b).toBe(0);
    expect(plan.splits?.a).toEqual({ split: 'by group building: 20% test, seed 3 of groups', rows: n });
    expect(results.cells.map((cell) => [cell.id, cell.status])).toEqual([['m@a', 'failed']]);
    expect(results.splits?.a).toMatchObject({ train: expect.any(Number), test: expect.any(Number) });
  });
});
