// `mxn run --cancel` from another process stops a run on Azure Batch: the watching runner ends,
// its unfinished cells are reported cancelled, and the pool goes back to zero nodes.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorsHandle } from '@mxn/testkit';
import { mxnBin, type E2eProject } from './support/project.js';
import { slowBatchProject } from './support/slow-batch-project.js';

describe('mxn run --cancel on azure-batch', () => {
  let project: E2eProject;
  let emulators: EmulatorsHandle;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ({ project, emulators, env } = await slowBatchProject());
    await project.experiment(
      'slow',
      `name: slow
datasets:
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: slow, build: models/slow, command: [node, train.js], params: { sleep: 20000, i: [1, 2, 3] } }
evaluation: { target: price, metrics: [rmse] }
compute: { backend: azure-batch, maxNodes: 1, retries: 0, timeout: 5m }
`,
    );
  }, 60_000);
  afterAll(async () => {
    await emulators?.stop();
  });

  it('terminates the job from another process and leaves the pool at zero', { timeout: 60_000 }, async () => {
    const runner = spawn(process.execPath, [mxnBin, 'run', 'experiments/slow.yaml'], {
      cwd: project.root,
      env: { ...process.env, ...env },
    });
    let stderr = '';
    const running = new Promise<void>((resolve) =>
      runner.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/running/.test(stderr)) resolve();
      }),
    );
    const ended = new Promise<number | null>((resolve) => runner.on('close', resolve));
    await running;

    const cancel = await project.mxn(['run', 'experiments/slow.yaml', '--cancel'], { env });
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(/cancelled run slow-[0-9a-f]{12} on azure-batch/);

    const started = Date.now();
    const code = await ended;
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(code).toBe(130);
    const results = await project.results('slow');
    expect(results.cells.map((cell) => cell.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(emulators.batch!.poolNodes('mxn')?.targetDedicated).toBe(0);
  });
});
