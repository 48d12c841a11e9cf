/**
 * For tests of a runner killed mid-run (the re-attach tests of the cloud backends): `mxn` spawned in a
 * project and SIGKILLed as soon as a given state is reached, and the per-cell rmse of a local run of
 * the same experiment, to compare the re-attached run's results with.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { ExperimentResults } from '@mxn/core';
import { expect } from 'vitest';
import { mxnBin, type E2eProject } from './project.js';

/**
 * Runs `mxn <args>` in the project and SIGKILLs it as soon as `ready()` holds (checked every `everyMs`), then waits for
 * it to end and returns the signal that ended it. Rejects, with the runner's output, when the runner ended by itself
 * first or `ready()` did not hold within `timeoutMs` (the runner is killed then too): a test never goes on from a kill
 * that landed in a state it did not ask for.
 */
export async function killRunnerWhen(
  project: E2eProject,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: () => boolean | Promise<boolean>,
  options: { timeoutMs: number; everyMs?: number },
): Promise<NodeJS.Signals | null> {
  const runner = spawn(process.execPath, [mxnBin, ...args], {
    cwd: project.root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  runner.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  runner.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const closed = new Promise<NodeJS.Signals | null>((resolve) =>
    runner.on('close', (code, signal) => {
      ended = { code, signal };
      resolve(signal);
    }),
  );
  const deadline = Date.now() + options.timeoutMs;
  while (!ended && !(await ready())) {
    if (Date.now() > deadline) {
      runner.kill('SIGKILL');
      await closed;
      throw new Error(`mxn ${args.join(' ')}: the state to kill it in was not reached in ${options.timeoutMs} ms\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 10));
  }
  if (ended) throw new Error(`mxn ${args.join(' ')} ended by itself (exit ${ended.code}) before it could be killed\n${output}`);
  runner.kill('SIGKILL');
  return closed;
}

/** Per-cell rmse of a results file. */
export const rmseByCell = (results: ExperimentResults): Record<string, number | undefined> =>
  Object.fromEntries(results.cells.map((cell) => [cell.id, cell.metrics.rmse]));

/** Per-cell rmse of a local run of `experiments/<name>.yaml`, with its own staging store and results folder (the cloud run's stay). */
export async function localRmse(project: E2eProject, name: string): Promise<Record<string, number | undefined>> {
  const out = project.file(`results/${name}-local`);
  const local = await project.mxn(
    ['run', `experiments/${name}.yaml`, '--backend', 'local', '--staging', project.file('.local-staging'), '--out', out],
    { env: { NO_COLOR: '1' } },
  );
  if (local.code !== 0) throw new Error(`the local run of ${name} failed (exit ${local.code})\n${local.stdout}${local.stderr}`);
  return rmseByCell(JSON.parse(await readFile(`${out}/results.json`, 'utf8')) as ExperimentResults);
}

/**
 * The two experiments of the re-attach tests, on the slow model of slowBatchProject with the ensemble: `slowish`
 * (three slow cells) and `halfcached` (two quick cells first, then two lagging ones, so that a kill can land after
 * the quick ones were cached). `compute` is each one's `compute:` mapping (backend, nodes, retries, timeout).
 */
export async function writeReattachExperiments(project: E2eProject, compute: { slowish: string; halfcached: string }): Promise<void> {
  await project.experiment(
    'slowish',
    `name: slowish
datasets:
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: slow, build: models/slow, command: [node, train.js], params: { i: [1, 2, 3] } }
evaluation: { target: price, metrics: [rmse] }
aggregate: { build: models/ensemble, command: [node, aggregate.js] }
compute: ${compute.slowish}
`,
  );
  await project.experiment(
    'halfcached',
    `name: halfcached
datasets:
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: quick, build: models/slow, command: [node, train.js], params: { i: [1, 2], sleep: 100 } }
  - { name: lagging, build: models/slow, command: [node, train.js], params: { i: [3, 4], sleep: 10000 } }
evaluation: { target: price, metrics: [rmse] }
aggregate: { build: models/ensemble, command: [node, aggregate.js] }
compute: ${compute.halfcached}
`,
  );
}

/**
 * Runs `halfcached` and SIGKILLs the runner once its two quick cells are cached (`cachedCount()` counts the cached
 * results in the run's cache store), and checks that it was killed there: two more cached results, no more.
 */
export async function killHalfcachedOnceCached(
  project: E2eProject,
  env: NodeJS.ProcessEnv,
  cachedCount: () => Promise<number>,
  timeoutMs: number,
): Promise<void> {
  const before = await cachedCount();
  const signal = await killRunnerWhen(
    project,
    ['run', 'experiments/halfcached.yaml'],
    env,
    async () => (await cachedCount()) >= before + 2,
    {
      timeoutMs,
      everyMs: 50,
    },
  );
  expect(signal).toBe('SIGKILL');
  expect(await cachedCount()).toBe(before + 2);
}

/**
 * Checks the results of `halfcached` after the run that re-attached: the quick cells cached, the lagging ones and the
 * aggregate succeeded, and each cell's metrics those of its own predictions (every variant predicts a different
 * constant), the same as a local run of the experiment in a staging store of its own: the lagging cells were matched
 * to their own jobs, not to the quick cells' places in the shorter cell list.
 */
export async function expectHalfcachedResults(project: E2eProject): Promise<void> {
  const results = await project.results('halfcached');
  expect(results.cells.map((cell) => [cell.id, cell.status])).toEqual([
    ['quick[i=1]@daegu', 'cached'],
    ['quick[i=2]@daegu', 'cached'],
    ['lagging[i=3]@daegu', 'succeeded'],
    ['lagging[i=4]@daegu', 'succeeded'],
  ]);
  expect(results.aggregate?.status).toBe('succeeded');
  expect(new Set(Object.values(rmseByCell(results))).size).toBe(4);
  expect(rmseByCell(results)).toEqual(await localRmse(project, 'halfcached'));
}
