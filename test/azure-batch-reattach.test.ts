// The runner killed right after submission (issue 4, "Faults"): `mxn run` is SIGKILLed as soon as its
// job has tasks; the next `mxn run` of the same experiment re-attaches to the same job, adds no task
// twice, watches it to the end and writes complete results.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorsHandle } from '@mxn/testkit';
import { mxnBin, type E2eProject } from './support/project.js';
import { slowBatchProject } from './support/slow-batch-project.js';

describe('mxn run re-attaches on azure-batch after the runner was killed', () => {
  let project: E2eProject;
  let emulators: EmulatorsHandle;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ({ project, emulators, env } = await slowBatchProject({ ensemble: true }));
    await project.experiment(
      'slowish',
      `name: slowish
datasets:
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: slow, build: models/slow, command: [node, train.js], params: { i: [1, 2, 3] } }
evaluation: { target: price, metrics: [rmse] }
aggregate: { build: models/ensemble, command: [node, aggregate.js] }
compute: { backend: azure-batch, maxNodes: 2, retries: 0, timeout: 5m }
`,
    );
  }, 60_000);
  afterAll(async () => {
    await emulators?.stop();
  });

  it('adds no duplicate task and finishes with complete results', { timeout: 60_000 }, async () => {
    const batch = emulators.batch!;
    batch.resetCalls();
    const runner = spawn(process.execPath, [mxnBin, 'run', 'experiments/slowish.yaml'], { cwd: project.root, env: { ...process.env, ...env }, stdio: 'ignore' });
    const closed = new Promise<NodeJS.Signals | null>((resolve) => runner.on('close', (_code, signal) => resolve(signal)));
    const deadline = Date.now() + 30_000;
    while (!batch.calls.Task_AddCollection && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    runner.kill('SIGKILL');
    expect(await closed).toBe('SIGKILL');
    const jobs = [...batch.store.jobs.values()];
    expect(jobs).toHaveLength(1);
    const jobId = jobs[0]!.id;
    // Killed mid-run: the job is still there, its cells not all done.
    expect(jobs[0]!.state).toBe('active');
    expect([...jobs[0]!.tasks.values()].filter((task) => task.state === 'completed').length).toBeLessThan(3);

    const again = await project.mxn(['run', 'experiments/slowish.yaml'], { env });
    expect(again.stderr, again.stdout + again.stderr).not.toMatch(/error/i);
    expect(again.code, again.stdout + again.stderr).toBe(0);

    // Both runs asked for the same job; the second one found it (JobExists).
    const jobAdds = batch.requests.filter((r) => r.method === 'POST' && /\/jobs\?/.test(r.url));
    expect(jobAdds.map((r) => [JSON.parse(r.body).id, r.status])).toEqual([[jobId, 201], [jobId, 409]]);
    // Every task was sent exactly once across both runs: nothing added twice, no TaskExists.
    const sent = batch.requests.filter((r) => r.url.includes('/addtaskcollection')).flatMap((r) => (JSON.parse(r.body).value as Array<{ id: string }>).map((task) => task.id));
    expect(sent.sort()).toEqual(['1', '2', '3', 'aggregate']);

    const results = await project.results('slowish');
    expect(results.backend).toBe('azure-batch');
    expect(results.cells.map((cell) => cell.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(results.cells.every((cell) => typeof cell.metrics.rmse === 'number')).toBe(true);
    expect(results.aggregate?.status).toBe('succeeded');
    expect(batch.poolNodes('mxn')?.targetDedicated).toBe(0);
  });
});
