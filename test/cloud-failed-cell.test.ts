// A model that fails on a cloud backend, through the CLI: its cell alone is reported failed, after
// its retries, with the model's exit code and the tail of its stderr (uploaded by the task, read
// without the cloud's log service); the other cells and the aggregate still run, and `mxn run`
// exits 1. The same file, unchanged but for the backend, on Azure Batch and on AWS Batch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorsHandle } from '@mxn/testkit';
import type { E2eProject } from './support/project.js';
import { slowBatchProject } from './support/slow-batch-project.js';

describe.each(['azure-batch', 'aws-batch'] as const)('a failing cell on %s', (backend) => {
  let project: E2eProject;
  let emulators: EmulatorsHandle;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ({ project, emulators, env } = await slowBatchProject({ ensemble: true, backend }));
    await project.experiment(
      'onefails',
      `name: onefails
datasets:
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: steady, build: models/slow, command: [node, train.js], params: { i: [1, 2], sleep: 50 } }
  - { name: broken, build: models/slow, command: [node, train.js], params: { i: 3, sleep: 50, fail: 3 } }
evaluation: { target: price, metrics: [rmse] }
aggregate: { build: models/ensemble, command: [node, aggregate.js] }
compute: { backend: ${backend}, retries: 1, timeout: 5m }
`,
    );
  }, 60_000);
  afterAll(async () => {
    await emulators?.stop();
  });

  it('is reported failed with its exit code and stderr tail, after its retries; the rest and the aggregate run (exit 1)', {
    timeout: 180_000,
  }, async () => {
    const run = await project.mxn(['run', 'experiments/onefails.yaml'], { env });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const results = await project.results('onefails');
    expect(results.backend).toBe(backend);
    expect(results.cells.map((cell) => [cell.id, cell.status])).toEqual([
      ['steady[i=1]@daegu', 'succeeded'],
      ['steady[i=2]@daegu', 'succeeded'],
      ['broken@daegu', 'failed'],
    ]);
    const broken = results.cells[2]!;
    // compute.retries: 1 is for the platform's failures; a model's own exit is not retried unless asked.
    expect(broken.attempts).toBe(1);
    expect(broken.exitCode).toBe(3);
    expect(broken.error).toContain('slow: giving up on variant 3 as asked');
    expect(results.aggregate?.status).toBe('succeeded');
    // The failure and its line reach the user's terminal, not only results.json.
    expect(run.stderr + run.stdout).toContain('slow: giving up on variant 3 as asked');

    // mxn logs shows the failed cell's stderr from what its task uploaded.
    const logs = await project.mxn(['logs', 'experiments/onefails.yaml', 'model=broken'], { env });
    expect(logs.code, logs.stdout + logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/-- stderr\n[\s\S]*slow: giving up on variant 3 as asked/);
  });
});
