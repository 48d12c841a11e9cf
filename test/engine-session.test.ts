// The engine's session: what every front end gets from opening an experiment.
import { readdir } from 'node:fs/promises';
import { exitCodeOf } from '@mxn/errors';
import type { Backend } from '@mxn/core';
import { createBackend, openExperiment } from '@mxn/engine';
import { describe, expect, it } from 'vitest';
import { e2eProject } from './support/project.js';

const model = `import { readTaskInputs, writePredictions } from '@mxn/model-kit';
const { train, test, target } = await readTaskInputs();
console.log('training on ' + process.env.MXN_DATASET + ' with ' + train.numRows + ' rows');
console.error('a warning from ' + process.env.MXN_CELL_ID);
const y = train.columns[target];
let sum = 0;
for (const value of y) sum += value;
await writePredictions(new Float64Array(test.numRows).fill(sum / y.length));
`;

const experiment = `name: session
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: mean, build: models/mean, command: [node, train.js] }
evaluation: { target: price, metrics: [rmse] }
compute: { concurrency: 2, retries: 0 }
`;

async function sessionProject() {
  const project = await e2eProject(['data', 'node_modules']);
  await project.model('mean', model);
  await project.experiment('session', experiment);
  return project;
}

describe('an opened experiment', () => {
  it("runs, then plans from the same stores (all cached) and reads each cell's logs", async () => {
    const project = await sessionProject();
    const session = await openExperiment(project.file('experiments/session.yaml'));
    expect(session.stores).toEqual({ staging: project.file('.mxn'), cache: project.file('.mxn') });

    const report = await session.run();
    expect(report.outcome).toBe('ok');
    expect(report.results.totals.succeeded).toBe(2);
    expect(await readdir(project.file('results/session'))).toEqual(expect.arrayContaining(['results.json', 'summary.md', 'report.html']));

    const plan = await session.plan();
    expect(plan.cells.map((cell) => [cell.id, cell.willRun])).toEqual([
      ['mean@seoul', false],
      ['mean@daegu', false],
    ]);

    const logs = await session.logs({ only: [{ dataset: 'daegu' }] });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ id: 'mean@daegu', status: 'succeeded' });
    expect(logs[0]!.stdout).toMatch(/^training on daegu with \d+ rows$/m);
    expect(logs[0]!.stderr).toContain('a warning from mean@daegu');

    // publishing again, to a store the experiment does not name, copies the results and each cell's outputs there
    const published = await session.publish(report.results, report.written, project.file('published'));
    expect(published.objects).toBeGreaterThanOrEqual(3 + 2);
    expect(await readdir(project.file('published'))).toEqual(
      expect.arrayContaining(['results.json', 'summary.md', 'report.html', 'cells']),
    );
    expect(await readdir(project.file('published/cells'))).toEqual(['mean@daegu', 'mean@seoul']);
    await expect(session.publish(report.results, report.written)).rejects.toThrow(/has no outputs: store/);
  });

  it('says a local run cannot be cancelled from elsewhere, as a usage error with a hint', async () => {
    const project = await sessionProject();
    const session = await openExperiment(project.file('experiments/session.yaml'));
    const error = await session.cancel().catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      message: expect.stringContaining('no runs to cancel outside this process'),
      hint: expect.stringContaining('Ctrl-C'),
    });
    expect(exitCodeOf(error)).toBe(2);
  });

  it('plans without a backend that cannot be set up here, and refuses to run without one', async () => {
    const project = await sessionProject();
    const session = await openExperiment(project.file('experiments/session.yaml'), {
      backendRequired: false,
      createBackend: async () => {
        throw new Error('no credentials in this job');
      },
    });
    expect(session.backend).toBeUndefined();
    expect(session.backendProblem).toContain('no credentials in this job');
    const plan = await session.plan();
    expect(plan.cells.filter((cell) => cell.willRun)).toHaveLength(2);
    const error = await session.run().catch((caught: unknown) => caught);
    expect(String(error)).toContain('no credentials in this job');
    expect(exitCodeOf(error)).toBe(2);
  });

  it('takes an infrastructure failure for no result: the next run runs the cell again without --rerun', async () => {
    const project = await sessionProject();
    let broken = true;
    // The local backend, except that on the first run the platform fails every cell (an image that cannot be pulled).
    const flaky = async (name: string, options?: Parameters<typeof createBackend>[1]): Promise<Backend> => {
      const real = await createBackend(name, options);
      return {
        ...real,
        run: async (spec, runOptions) => {
          if (!broken) return real.run(spec, runOptions);
          const at = new Date();
          const tasks = spec.tasks.map((task) => ({
            taskId: task.id,
            kind: task.kind,
            status: 'failed' as const,
            attempts: 1,
            durationMs: 0,
            error: 'ContainerPullImageFailed: the image could not be pulled',
            infrastructure: true,
          }));
          for (const task of tasks)
            runOptions?.onEvent?.({
              taskId: task.taskId,
              kind: task.kind,
              state: 'failed',
              attempt: 1,
              at,
              message: task.error,
              infrastructure: true,
            });
          return { runId: spec.runId, tasks, cancelled: false };
        },
        describe: async () => ['pool p1: microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04), supported until 2029-06-30'],
      };
    };
    const session = await openExperiment(project.file('experiments/session.yaml'), { createBackend: flaky });
    expect(await session.describe()).toEqual([
      'pool p1: microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04), supported until 2029-06-30',
    ]);

    const first = await session.run();
    expect(first.outcome).toBe('failure');
    expect(first.results.cells.map((cell) => [cell.status, cell.infrastructure])).toEqual([
      ['failed', true],
      ['failed', true],
    ]);

    broken = false;
    const plan = await session.plan();
    expect(plan.cells.every((cell) => cell.willRun && cell.cached?.infrastructure === true)).toBe(true);
    const second = await session.run();
    expect(second.outcome).toBe('ok');
    expect(second.results.totals).toMatchObject({ succeeded: 2, failed: 0 });
  });

  it('says in one line when the backend cannot say what it runs on', async () => {
    const project = await sessionProject();
    const session = await openExperiment(project.file('experiments/session.yaml'), {
      createBackend: async (name, options) => ({
        ...(await createBackend(name, options)),
        describe: async () => {
          throw new Error('AuthorizationFailure');
        },
      }),
    });
    expect(await session.describe()).toEqual(['local: could not say what it runs on (AuthorizationFailure)']);
  });
});
