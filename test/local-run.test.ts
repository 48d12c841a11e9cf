// End to end on this machine: the mxn CLI runs experiments with real models on real parquet.
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { e2eProject, type E2eProject } from './support/project.js';

const base = (models: string, extra = '') => `name: e2e
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: busan, train: data/housing/busan.parquet }
  - { name: daegu, train: data/housing/daegu.parquet }
models:
${models}
evaluation:
  target: price
  metrics: [rmse, mae, r2, mape]
  split: { test: 0.2, seed: 42 }
compute: { concurrency: 2, retries: 1, timeout: 2m }
${extra}`;

const ridgeAndKnn = `  - { name: ridge, build: models/ridge, command: [node, train.js], params: { alpha: [0.1, 10] } }
  - { name: knn, build: models/knn, command: [node, train.js], params: { k: 10 } }`;

describe('mxn run on the local backend', () => {
  let project: E2eProject;
  beforeAll(async () => {
    project = await e2eProject();
  });

  it('runs every cell with metrics, then reuses every one from the cache without starting a model', async () => {
    await project.experiment('e2e', base(ridgeAndKnn, 'aggregate: { build: models/ensemble, command: [node, aggregate.js] }'));
    const valid = await project.mxn(['validate', 'experiments/e2e.yaml']);
    expect([valid.code, valid.stdout.trim()]).toEqual([0, 'ok e2e: 3 datasets, 2 models (3 variants), 9 cells']);
    const first = await project.mxn(['run', 'experiments/e2e.yaml']);
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    const results = await project.results('e2e');
    expect(results.cells).toHaveLength(9);
    for (const cell of results.cells) {
      expect(cell.status).toBe('succeeded');
      expect(Object.keys(cell.metrics).sort()).toEqual(['mae', 'mape', 'r2', 'rmse']);
      expect(cell.metrics.r2).toBeGreaterThan(0.3);
      expect(cell.modelMetrics).toBeDefined();
    }
    expect(results.aggregate?.status).toBe('succeeded');
    expect(first.stdout).toContain('rmse (lower is better)');
    expect(first.stdout).toContain(path.join('results', 'e2e', 'summary.md'));
    expect(await readFile(project.file('results/e2e/summary.md'), 'utf8')).toContain('ridge\\[alpha=0.1\\]');

    const logs = results.cells.map((cell) => path.join(cell.output.replace(/^file:\/\//, ''), 'stdout.txt'));
    const before = await Promise.all(logs.map(async (log) => (await stat(log)).mtimeMs));
    const second = await project.mxn(['run', 'experiments/e2e.yaml']);
    expect(second.code).toBe(0);
    const again = await project.results('e2e');
    expect(again.cells.map((cell) => cell.status)).toEqual(new Array(9).fill('cached'));
    expect(again.cells.map((cell) => cell.metrics)).toEqual(results.cells.map((cell) => cell.metrics));
    expect(await Promise.all(logs.map(async (log) => (await stat(log)).mtimeMs))).toEqual(before);
    expect(second.stdout).toContain('0 succeeded, 9 cached, 0 failed');
    expect(second.stderr).not.toMatch(/aggregate\s+running/); // its result is reused too
    expect(again.aggregate).toEqual(results.aggregate);

    // --only reruns one cell; the results still hold the whole matrix, the rest from the cache.
    const one = await project.mxn(['run', 'experiments/e2e.yaml', '--only', 'model=knn,dataset=daegu', '--rerun', 'all']);
    expect(one.code).toBe(0);
    const merged = await project.results('e2e');
    expect(merged.cells.map((cell) => cell.id)).toEqual(results.cells.map((cell) => cell.id));
    expect(merged.cells.filter((cell) => cell.status === 'succeeded').map((cell) => cell.id)).toEqual(['knn@daegu']);
    expect(merged.totals).toMatchObject({ succeeded: 1, cached: 8 });
  });

  it('runs without any container engine: the cells run as processes, and one line says so', async () => {
    await project.experiment(
      'no-engine',
      base('  - { name: knn, build: models/knn, command: [node, train.js], params: { k: 10 } }').replace('name: e2e', 'name: no-engine'),
    );
    // No runtime asked for anywhere, and the only engine mxn may ask is a program that does not exist.
    const run = await project.mxn(['run', 'experiments/no-engine.yaml', '--rerun', 'all'], {
      env: { MXN_RUNTIME: '', MXN_CONTAINER_ENGINE: 'mxn-no-such-engine' },
    });
    expect(run.code).toBe(0);
    expect(run.stderr.match(/^note: no container engine answers.*--runtime process.*$/gm)).toHaveLength(1);
    expect(run.stderr).toContain('on local in processes');
    const results = await project.results('no-engine');
    expect(results.runtime).toBe('process');
    expect(results.cells.map((cell) => cell.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // Asking for containers there is a usage error before anything runs.
    const asked = await project.mxn(['run', 'experiments/no-engine.yaml', '--runtime', 'container'], {
      env: { MXN_RUNTIME: '', MXN_CONTAINER_ENGINE: 'mxn-no-such-engine' },
    });
    expect(asked.code).toBe(2);
    expect(asked.stderr).toMatch(/^error no container engine answers .*\nhint: start Docker or Podman, or use --runtime process/m);
  });

  it('exits 2 with the hint when azure-batch has no account URL (missing configuration), before anything runs', async () => {
    await project.experiment('no-batch-url', base(ridgeAndKnn).replace('name: e2e', 'name: no-batch-url'));
    const run = await project.mxn(['run', 'experiments/no-batch-url.yaml', '--backend', 'azure-batch'], {
      env: { AZURE_BATCH_ACCOUNT_URL: '', AZURE_BATCH_ENDPOINT: '' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error backend: azure-batch: AZURE_BATCH_ACCOUNT_URL is not set\nhint: set AZURE_BATCH_ACCOUNT_URL, /m);
    expect(existsSync(project.file('results/no-batch-url'))).toBe(false);
  });

  it('keeps a failing cell failed with its error, runs the others and the aggregate, and exits 1', async () => {
    await project.experiment(
      'failing',
      base(
        `  - { name: broken, build: models/broken, command: [node, train.js], params: { failOn: busan } }
  - { name: knn, build: models/knn, command: [node, train.js], params: { k: 10 } }`,
        'aggregate: { build: models/ensemble, command: [node, aggregate.js] }',
      ).replace('name: e2e', 'name: failing'),
    );
    const run = await project.mxn(['run', 'experiments/failing.yaml']);
    expect(run.code).toBe(1);
    const results = await project.results('failing');
    const failed = results.cells.filter((cell) => cell.status === 'failed');
    expect(failed.map((cell) => cell.id)).toEqual(['broken@busan']);
    expect(failed[0]!.attempts).toBe(1); // a model's own exit is not retried (compute.retryModelFailures)
    expect(failed[0]!.error).toMatch(/exit code 1/);
    expect(failed[0]!.error).toMatch(/failing on purpose for dataset "busan"/);
    // knn's cells share their keys with the first test's, so they come from the cache.
    expect(results.cells.filter((cell) => cell.status === 'succeeded' || cell.status === 'cached')).toHaveLength(5);
    expect(results.aggregate?.status).toBe('succeeded');
    const summary = JSON.parse(
      await readFile(path.join(results.aggregate!.output.replace(/^file:\/\//, ''), 'summary.json'), 'utf8'),
    ) as unknown;
    expect(JSON.stringify(summary)).toContain('broken@busan');
    expect(run.stdout).toMatch(/failed broken@busan: /);

    // A cached failure stays failed until asked to rerun it.
    const again = await project.mxn(['run', 'experiments/failing.yaml']);
    expect(again.code).toBe(1);
    expect((await project.results('failing')).cells.find((cell) => cell.id === 'broken@busan')).toMatchObject({
      status: 'failed',
      fromCache: true,
    });
    const plan = JSON.parse((await project.mxn(['plan', 'experiments/failing.yaml', '--rerun', 'failed', '--json'])).stdout) as {
      cells: Array<{ id: string; willRun: boolean }>;
    };
    expect(plan.cells.filter((cell) => cell.willRun).map((cell) => cell.id)).toEqual(['broken@busan']);
  });

  it('renders a report from a results file, against a baseline, and refuses a file that is not results', async () => {
    // Uses the e2e results written by the first test of this block.
    await writeFile(project.file('baseline.json'), JSON.stringify({ ...(await project.results('e2e')), runId: 'e2e-baseline' }));
    const report = await project.mxn(['report', 'results/e2e/results.json', '--baseline', 'baseline.json', '--out', 'rendered']);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain('rmse (lower is better)');
    const summary = await readFile(project.file('rendered/summary.md'), 'utf8');
    expect(summary).toContain('e2e-baseline');
    expect(summary).toMatch(/\| ridge\\\[alpha=0\.1\\\] \|.*=/); // unchanged against the baseline
    expect(await readFile(project.file('rendered/report.html'), 'utf8')).toMatch(/^<!doctype html>/i);

    await writeFile(project.file('not-results.json'), '{"hello": "world"}');
    const bad = await project.mxn(['report', 'not-results.json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')[0]).toMatch(/^error not-results\.json: not an mxn results file of version 1$/);
  });

  it('runs exactly one cell with --only', async () => {
    const fresh = await e2eProject();
    await fresh.experiment('only', base(ridgeAndKnn).replace('name: e2e', 'name: only'));
    const run = await fresh.mxn(['run', 'experiments/only.yaml', '--only', 'model=knn,dataset=daegu']);
    expect(run.code).toBe(0);
    const results = await fresh.results('only');
    expect(results.cells.map((cell) => [cell.id, cell.status])).toEqual([['knn@daegu', 'succeeded']]);
  });
});

describe('a model that exits 0 without predictions', () => {
  it('is reported failed, in the progress lines and in the results, with the reason', async () => {
    const project = await e2eProject(['data', 'node_modules']);
    await project.model('silent', 'console.log("trained, but forgot to write predictions");\n');
    await project.experiment(
      'silent',
      `name: silent
datasets:
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: silent, build: models/silent, command: [node, train.js] }
evaluation: { target: price, metrics: [rmse] }
compute: { retries: 0 }
`,
    );
    const run = await project.mxn(['run', 'experiments/silent.yaml']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/✗ silent@daegu\s+failed/);
    expect(run.stderr).not.toMatch(/✓ silent@daegu/);
    const results = await project.results('silent');
    expect(results.cells[0]).toMatchObject({ status: 'failed', error: 'the model wrote no predictions.parquet to MXN_OUTPUT_DIR' });
  });
});

describe('mxn on malformed experiment files', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'unknown key',
      base(ridgeAndKnn).replace('  target: price', '  targt: price'),
      /experiments\/bad\.yaml:10:3: unknown key "targt" in evaluation; did you mean "target"\?/,
    ],
    [
      'wrong type',
      base(ridgeAndKnn).replace('concurrency: 2', 'concurrency: lots'),
      /experiments\/bad\.yaml:13:25: compute\.concurrency: "lots" is not a number; write a number/,
    ],
    [
      'duplicate name',
      base(ridgeAndKnn).replace('name: busan', 'name: seoul'),
      /experiments\/bad\.yaml:4:13: duplicate dataset name "seoul"/,
    ],
    [
      'missing target column',
      base(ridgeAndKnn).replace('target: price', 'target: cost'),
      /experiments\/bad\.yaml:3:27: target column "cost" is missing from data\/housing\/seoul\.parquet/,
    ],
    [
      'missing dataset file',
      base(ridgeAndKnn).replace('busan.parquet', 'nowhere.parquet'),
      /experiments\/bad\.yaml:4:27: no parquet file matches data\/housing\/nowhere\.parquet/,
    ],
    ['YAML syntax', 'name: x\nmodels: [\n', /experiments\/bad\.yaml:\d+:\d+: YAML: /],
  ];
  let project: E2eProject;
  beforeAll(async () => {
    project = await e2eProject();
  });

  for (const [name, text, expected] of cases) {
    it(`reports ${name} as file:line:col and exits 2 before anything runs`, async () => {
      await project.experiment('bad', text);
      for (const command of ['validate', 'plan', 'run']) {
        const result = await project.mxn([command, 'experiments/bad.yaml']);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(expected);
        expect(result.stderr).toMatch(/nothing was run/);
      }
      await expect(stat(project.file('.mxn'))).rejects.toThrow();
      await expect(stat(project.file('results'))).rejects.toThrow();
    });
  }
});
