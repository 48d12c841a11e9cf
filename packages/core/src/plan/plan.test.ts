import { type SplitSpec, splitTable, type Table } from '@mxn/data';
import type { ReadOptions, Store } from '@mxn/storage';
import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../load/load-experiment.js';
import type { CellResult } from '../results.js';
import { linearTable, testProject } from '../test-support/project.js';
import { clearBuildContextHashes } from './build-context.js';
import { parseCellFilter, planExperiment } from './plan.js';

const experiment = `name: keys
datasets:
  - { name: small, train: data/small.parquet }
  - { name: large, train: data/large.parquet }
models:
  - { name: mean, build: models/mean, command: [node, train.js], params: { k: [1, 2] } }
  - { name: other, build: models/other, command: [node, train.js] }
evaluation: { target: y }
`;

async function setup() {
  const project = await testProject();
  await project.writeTable('data/small.parquet', linearTable(10));
  await project.writeTable('data/large.parquet', linearTable(40));
  await project.write('models/mean/train.js', '// mean');
  await project.write('models/other/train.js', '// other');
  const file = await project.write('experiments/keys.yaml', experiment);
  return { project, file };
}

describe('planExperiment', () => {
  it('makes models × variants × datasets cells with readable ids, in experiment order', async () => {
    const { file } = await setup();
    const plan = await planExperiment(await loadExperiment(file));
    expect(plan.cells.map((cell) => cell.id)).toEqual([
      'mean[k=1]@small',
      'mean[k=1]@large',
      'mean[k=2]@small',
      'mean[k=2]@large',
      'other@small',
      'other@large',
    ]);
    expect(plan.variants).toEqual(['mean[k=1]', 'mean[k=2]', 'other']);
    expect(plan.datasets).toEqual(['small', 'large']);
    expect(new Set(plan.cells.map((cell) => cell.key)).size).toBe(6);
    expect(plan.runId).toMatch(/^keys-[0-9a-f]{12}$/);
  });

  it('keeps keys and run id stable, and changes exactly the keys whose inputs change', async () => {
    const { project, file } = await setup();
    const first = await planExperiment(await loadExperiment(file));
    expect((await planExperiment(await loadExperiment(file))).cells.map((cell) => cell.key)).toEqual(first.cells.map((cell) => cell.key));

    await project.writeTable('data/small.parquet', linearTable(10, 3));
    await project.write('models/other/train.js', '// other, edited');
    clearBuildContextHashes();
    const second = await planExperiment(await loadExperiment(file));
    const changed = second.cells.filter((cell, index) => cell.key !== first.cells[index]!.key).map((cell) => cell.id);
    expect(changed).toEqual(['mean[k=1]@small', 'mean[k=2]@small', 'other@small', 'other@large']);
    expect(second.runId).not.toBe(first.runId);
  });

  it('keys each split kind apart, and the split written out as the default like no split at all', async () => {
    const { project, file } = await setup();
    const keys = async (split: string) => {
      const written = await project.write('experiments/split.yaml', experiment.replace('{ target: y }', `{ target: y, split: ${split} }`));
      return (await planExperiment(await loadExperiment(written))).cells.map((cell) => cell.key);
    };
    const plain = (await planExperiment(await loadExperiment(file))).cells.map((cell) => cell.key);
    expect(await keys('{ test: 0.2, seed: 42 }')).toEqual(plain);
    const kinds = [
      await keys('{ by: x, test_from: 5 }'),
      await keys('{ group: x }'),
      await keys('{ group: x, seed: 1 }'),
      await keys('{ test: 0.3 }'),
    ];
    const all = [plain, ...kinds].flat();
    expect(new Set(all).size).toBe(all.length);
    expect(await keys('{ by: x, test_from: 5 }')).toEqual(kinds[0]);
  });

  it('says the rows on each side of every split kind, reading at most the one column the split needs', async () => {
    const { project } = await setup();
    const n = 50;
    const labelled: Table = {
      names: ['x', 'building', 'label'],
      columns: {
        x: Float64Array.from({ length: n }, (_, i) => i),
        building: Array.from({ length: n }, (_, i) => `b${i % 7}`),
        label: Array.from({ length: n }, (_, i) => (i % 5 < 3 ? 'a' : 'b')),
      },
      numRows: n,
    };
    await project.writeTable('data/labelled.parquet', labelled);
    const sides = async (split: string) => {
      const text = experiment
        .replace(/datasets:\n(.*\n){2}/, 'datasets:\n  - { name: labelled, train: data/labelled.parquet }\n')
        .replace('{ target: y }', `{ target: label, task: classification, metrics: [accuracy], split: ${split} }`);
      const plan = await planExperiment(await loadExperiment(await project.write('experiments/sides.yaml', text)), { countSides: true });
      return plan.splits?.labelled;
    };
    const expected = (spec: SplitSpec) => {
      const { train, test } = splitTable(labelled, spec, 'label');
      return { rows: n, train: train.numRows, test: test.numRows };
    };
    expect(await sides('{ by: x, test_from: 40 }')).toMatchObject({ rows: 50, train: 40, test: 10 });
    expect(await sides('{ group: building, seed: 3 }')).toMatchObject(expected({ test: 0.2, seed: 3, group: 'building' }));
    expect(await sides('{ stratify: true }')).toMatchObject({ ...expected({ test: 0.2, seed: 42, stratify: true }), train: 40, test: 10 });
  });

  it("reads a split's column only when asked to count its sides, and a store that fails is a note, not a failed plan", async () => {
    const { project } = await setup();
    const n = 30;
    const grouped: Table = {
      names: ['x', 'building', 'y'],
      columns: {
        x: Float64Array.from({ length: n }, (_, i) => i),
        building: Array.from({ length: n }, (_, i) => `b${i % 5}`),
        y: Float64Array.from({ length: n }, (_, i) => i * 2),
      },
      numRows: n,
    };
    await project.writeTable('data/grouped.parquet', grouped);
    const text = experiment
      .replace(/datasets:\n(.*\n){2}/, 'datasets:\n  - { name: grouped, train: data/grouped.parquet }\n')
      .replace('{ target: y }', '{ target: y, split: { group: building, seed: 3 } }');
    const loaded = await loadExperiment(await project.write('experiments/grouped.yaml', text));
    const dataset = loaded.datasets[0]!;
    const store = dataset.train.store;
    let reads = 0;
    let failing = false;
    // the dataset's store as the plan sees it: every read counted, and failing like a store that is down
    dataset.train.store = Object.assign(Object.create(store) as Store, {
      read: async (key: string, options?: ReadOptions) => {
        reads++;
        if (failing) throw new Error('503 Service Unavailable (slow down)');
        return store.read(key, options);
      },
    });
    // a run's plan: the split's sides are counted by staging, so the plan reads no data
    const run = await planExperiment(loaded);
    expect(reads).toBe(0);
    expect(run.splits?.grouped).toEqual({ split: 'by group building: 20% test, seed 3 of groups', rows: n });
    const counted = await planExperiment(loaded, { countSides: true });
    expect(reads).toBeGreaterThan(0);
    const { train = 0, test = 0 } = counted.splits?.grouped ?? {};
    expect([train > 0, test > 0, train + test]).toEqual([true, true, n]);
    failing = true;
    const down = await planExperiment(loaded, { countSides: true });
    expect(down.cells).toHaveLength(3);
    expect(down.splits?.grouped).toMatchObject({ rows: n, transient: true, problem: expect.stringContaining('503 Service Unavailable') });
  });

  it('keys every cell by its runtime, so a process result is never a container result', async () => {
    const { file } = await setup();
    const loaded = await loadExperiment(file);
    const containers = await planExperiment(loaded);
    const processes = await planExperiment(loaded, { runtime: 'process' });
    expect(containers.runtime).toBe('container');
    expect(processes.runtime).toBe('process');
    for (const [index, cell] of processes.cells.entries()) expect(cell.key).not.toBe(containers.cells[index]!.key);
    expect((await planExperiment(loaded, { runtime: 'container' })).cells.map((cell) => cell.key)).toEqual(
      containers.cells.map((cell) => cell.key),
    );
  });

  it('keys a prebuilt image by the digest the backend resolves, not by its tag', async () => {
    const { project } = await setup();
    const file = await project.write(
      'experiments/prebuilt.yaml',
      `name: prebuilt
datasets: [{ name: small, train: data/small.parquet }]
models: [{ name: pre, image: registry.example/pre:latest, command: [python, train.py] }]
evaluation: { target: y }
`,
    );
    const loaded = await loadExperiment(file);
    const asked: string[] = [];
    const planWith = (digest: string) =>
      planExperiment(loaded, {
        resolveImage: async (ref) => {
          asked.push(ref);
          return `registry.example/pre@${digest}`;
        },
      });
    const first = await planWith('sha256:aaa');
    expect(first.cells[0]).toMatchObject({ image: 'registry.example/pre:latest', imageDigest: 'registry.example/pre@sha256:aaa' });
    expect(asked).toEqual(['registry.example/pre:latest']);
    expect((await planWith('sha256:aaa')).cells[0]!.key).toBe(first.cells[0]!.key);
    expect((await planWith('sha256:bbb')).cells[0]!.key).not.toBe(first.cells[0]!.key); // the tag moved
    // An image that cannot be resolved is keyed by its reference; its cells fail when they start.
    const unresolved = await planExperiment(loaded, { resolveImage: async () => Promise.reject(new Error('offline')) });
    expect(unresolved.cells[0]!.imageDigest).toBeUndefined();
    expect(unresolved.cells[0]!.key).toBe((await planExperiment(loaded)).cells[0]!.key);
  });

  it('marks cached cells and reruns failed or all on request', async () => {
    const { file } = await setup();
    const loaded = await loadExperiment(file);
    const plain = await planExperiment(loaded);
    const stored = new Map<string, CellResult>([
      [plain.cells[0]!.key, { status: 'succeeded' } as CellResult],
      [plain.cells[1]!.key, { status: 'failed' } as CellResult],
      [plain.cells[2]!.key, { status: 'failed', infrastructure: true } as CellResult],
    ]);
    const lookup = async () => stored;
    const willRun = async (rerun: 'none' | 'failed' | 'all') =>
      (await planExperiment(loaded, { lookup, rerun })).cells.map((cell) => cell.willRun);
    // a failure of the platform (an image pull, a lost node) is retried without --rerun
    expect(await willRun('none')).toEqual([false, false, true, true, true, true]);
    expect((await planExperiment(loaded, { lookup })).cells[2]!.cached?.infrastructure).toBe(true);
    expect(await willRun('failed')).toEqual([false, true, true, true, true, true]);
    expect(await willRun('all')).toEqual([true, true, true, true, true, true]);
  });

  it('keeps only the cells that --only selects', async () => {
    const { file } = await setup();
    const loaded = await loadExperiment(file);
    const one = await planExperiment(loaded, { only: [parseCellFilter('model=other,dataset=large')] });
    expect(one.cells.map((cell) => cell.id)).toEqual(['other@large']);
    const variant = await planExperiment(loaded, { only: [parseCellFilter('model=mean[k=2]')] });
    expect(variant.cells.map((cell) => cell.id)).toEqual(['mean[k=2]@small', 'mean[k=2]@large']);
    expect(() => parseCellFilter('colour=red')).toThrow(/--only expects model=NAME/);
    await expect(planExperiment(loaded, { only: [parseCellFilter('model=nope')] })).rejects.toThrow(
      /--only model=nope matches no cell of keys/,
    );
  });
});
