/**
 * The shared Backend contract suite: `testBackend(name, makeBackend)` registers vitest tests that
 * every backend's test file calls, then adds its own cases. Tasks run `node -e` with a small
 * script (see backend-contract/task-script.ts), so a backend needs nothing but Node.js. Exported as
 * `@mxn/core/testing`, next to the Backend interface it checks; only that subpath needs vitest.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Backend, RunOptions, RunOutcome, RunSpec, TaskEvent, TaskOutcome } from '../backend.js';
import { joinKey, listAll, openStore, readText, type Store } from '@mxn/storage';
import { eventProblems, peakRunning, statesOf } from './backend-contract/event-checks.js';
import { specBuilder } from './backend-contract/spec-builder.js';

export interface BackendUnderTest {
  backend: Backend;
  /** Staging store URI the runs use; each call of `makeBackend` should give a fresh, empty one. */
  stagingUri: string;
  /** The staging store, when `openStore(stagingUri)` cannot open it by itself (credentials, emulators). */
  store?: Store;
  cleanup?: () => Promise<void>;
}

export interface BackendContractOptions {
  /** The backend stops an attempt at `limits.timeoutMs`. Default true. */
  supportsTimeouts?: boolean;
  /** Aborting `RunOptions.signal` cancels the run. Default true. */
  supportsCancellation?: boolean;
  /**
   * Tasks run on this machine and see its filesystem, so the suite can leave markers for them in a
   * temp folder and check their pids. Default true; without it the flaky-task and pid checks are skipped.
   */
  sharedFilesystem?: boolean;
  /** Program that runs JavaScript inside a task. Default `process.execPath`. */
  node?: string;
  /** Image set on every task, for container backends. */
  image?: string;
  /** Longest a cancelled run may take to resolve after the abort, in ms. Default 2000. */
  cancelWithinMs?: number;
  /** Timeout of each test, in ms. Default 30 000. */
  testTimeoutMs?: number;
}

/**
 * Registers the contract tests for one backend. `makeBackend` is called before every test; make
 * it configure short retry delays (tens of ms), since the suite retries failing tasks.
 */
export function testBackend(name: string, makeBackend: () => Promise<BackendUnderTest>, options: BackendContractOptions = {}): void {
  const shared = options.sharedFilesystem ?? true;
  const cancelWithinMs = options.cancelWithinMs ?? 2000;

  describe(`Backend contract: ${name}`, { timeout: options.testTimeoutMs ?? 30_000 }, () => {
    let under: BackendUnderTest;
    let store: Store;
    let scratch: string;
    let build: ReturnType<typeof specBuilder>;

    beforeEach(async () => {
      under = await makeBackend();
      store = under.store ?? (await openStore(under.stagingUri));
      scratch = await mkdtemp(path.join(tmpdir(), 'mxn-contract-'));
      build = specBuilder({ node: options.node ?? process.execPath, buildDir: scratch, image: options.image });
    });
    afterEach(async () => {
      await under.cleanup?.();
      await rm(scratch, { recursive: true, force: true });
    });

    async function run(spec: RunSpec, runOptions: Omit<RunOptions, 'onEvent'> = {}) {
      const events: TaskEvent[] = [];
      const outcome = await under.backend.run(spec, { ...runOptions, onEvent: (event) => events.push(event) });
      expect(eventProblems(spec, events, outcome)).toEqual([]);
      return { outcome, events };
    }
    const outcomeOf = (outcome: RunOutcome, id: string): TaskOutcome => {
      const found = outcome.tasks.find((task) => task.taskId === id);
      expect(found, `outcome of ${id}`).toBeDefined();
      return found!;
    };
    const text = (key: string) => readText(store, key);
    const json = async <T>(key: string) => JSON.parse(await text(key)) as T;
    const keysUnder = async (prefix: string) =>
      (await listAll(store, `${prefix}/`)).map((info) => info.key.slice(prefix.length + 1)).sort();

    it('runs each task with the task-protocol environment, its inputs, and keeps its outputs and logs', async () => {
      const tasks = ['alpha', 'beta', 'gamma'].map((id) => build.cell(id, { mode: 'echo' }));
      for (const task of tasks) {
        await store.write(joinKey(task.inputPrefix, 'train.txt'), `train of ${task.id}`);
        await store.write(joinKey(task.inputPrefix, 'nested/test.txt'), `test of ${task.id}`);
      }
      const spec = build.spec(under.stagingUri, tasks);
      const { outcome } = await run(spec);

      expect(outcome.runId).toBe(spec.runId);
      expect(outcome.cancelled).toBe(false);
      for (const task of tasks) {
        expect(outcomeOf(outcome, task.id)).toMatchObject({ status: 'succeeded', attempts: 1, kind: 'cell' });
        const seen = await json<{ files: Record<string, string>; env: Record<string, string> }>(joinKey(task.outputPrefix, 'seen.json'));
        expect(seen.files).toEqual({ 'train.txt': `train of ${task.id}`, 'nested/test.txt': `test of ${task.id}` });
        expect(seen.env).toMatchObject(task.env);
        expect(path.isAbsolute(seen.env.MXN_INPUT_DIR!)).toBe(true);
        expect(path.isAbsolute(seen.env.MXN_OUTPUT_DIR!)).toBe(true);
        expect(seen.env.MXN_OUTPUT_DIR).not.toBe(seen.env.MXN_INPUT_DIR);
        expect(await keysUnder(task.outputPrefix)).toEqual(['artifacts/model.txt', 'seen.json', 'stderr.txt', 'stdout.txt']);
        expect(await text(joinKey(task.outputPrefix, 'artifacts/model.txt'))).toBe(`model of ${task.id}`);
        expect(await text(joinKey(task.outputPrefix, 'stdout.txt'))).toContain(`stdout of ${task.id}`);
        expect(await text(joinKey(task.outputPrefix, 'stderr.txt'))).toContain(`stderr of ${task.id}`);
      }
    });

    it("does not retry a model's own non-zero exit unless the experiment asks (retryModelFailures)", async () => {
      const spec = build.spec(under.stagingUri, [build.cell('once', { mode: 'fail', code: 4 })], { limits: { retries: 2 } });
      const { outcome, events } = await run(spec);
      expect(outcomeOf(outcome, 'once')).toMatchObject({ status: 'failed', attempts: 1, exitCode: 4 });
      expect(statesOf(events, 'once')).toEqual(['queued', 'running', 'failed']);
    });

    it('ends a failing task failed after its retries, with the exit code and stderr tail, while the others succeed', async () => {
      const spec = build.spec(under.stagingUri, [build.cell('good', { mode: 'echo' }), build.cell('bad', { mode: 'fail', code: 3 })], {
        limits: { retries: 2, retryModelFailures: true },
      });
      const { outcome, events } = await run(spec);

      expect(outcomeOf(outcome, 'good')).toMatchObject({ status: 'succeeded', attempts: 1 });
      const bad = outcomeOf(outcome, 'bad');
      expect(bad).toMatchObject({ status: 'failed', attempts: 3, exitCode: 3 });
      expect(bad.error).toContain('exit code 3');
      expect(bad.error).toContain('boom line 25');
      expect(statesOf(events, 'bad')).toEqual(['queued', 'running', 'retrying', 'running', 'retrying', 'running', 'failed']);
      const retrying = events.filter((event) => event.taskId === 'bad' && event.state === 'retrying');
      expect(retrying.map((event) => event.attempt)).toEqual([1, 2]);
      for (const event of retrying) expect(event.message).toContain('exit code 3');
      expect(events.find((event) => event.taskId === 'bad' && event.state === 'failed')).toMatchObject({ attempt: 3, exitCode: 3 });
      expect(await text(joinKey(spec.tasks[1]!.outputPrefix, 'stderr.txt'))).toContain('boom line 25');
      expect(outcome.cancelled).toBe(false);
    });

    it.skipIf(!shared)('retries a task that failed once, starting each attempt with an empty output folder', async () => {
      const task = build.cell('flaky', { mode: 'flaky', marker: path.join(scratch, 'flaky.marker') });
      await store.write(joinKey(task.outputPrefix, 'leftover.txt'), 'from an earlier run');
      const { outcome, events } = await run(build.spec(under.stagingUri, [task], { limits: { retries: 1, retryModelFailures: true } }));

      expect(outcomeOf(outcome, 'flaky')).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(statesOf(events, 'flaky')).toEqual(['queued', 'running', 'retrying', 'running', 'succeeded']);
      expect(await keysUnder(task.outputPrefix)).toEqual(['ok.txt', 'stderr.txt', 'stdout.txt']);
    });

    it('runs the aggregate once after every task, also when some failed, with manifest.json and cells/<id>/', async () => {
      const cached = build.cached('gamma');
      await store.write(joinKey(cached.outputPrefix, 'cached.txt'), 'from the cache');
      const spec = build.spec(under.stagingUri, [build.cell('alpha', { mode: 'echo' }), build.cell('beta', { mode: 'fail', code: 2 })], {
        aggregate: build.aggregate(),
        cached: [cached],
        limits: { retries: 1 },
      });
      const { outcome, events } = await run(spec);

      expect(outcome.aggregate).toMatchObject({ taskId: 'aggregate', kind: 'aggregate', status: 'succeeded', attempts: 1 });
      const started = events.findIndex((event) => event.taskId === 'aggregate' && event.state === 'running');
      const lastCellEnd = Math.max(
        ...spec.tasks.map((task) => events.findIndex((event) => event.taskId === task.id && ['succeeded', 'failed'].includes(event.state))),
      );
      expect(started).toBeGreaterThan(lastCellEnd);
      expect(statesOf(events, 'aggregate')).toEqual(['queued', 'running', 'succeeded']);

      const report = await json<{
        manifest: { runId: string; experiment: string; target: string; cells: Array<{ id: string; status: string; dir: string }> };
        files: Record<string, string[]>;
      }>(joinKey(spec.aggregate!.outputPrefix, 'aggregate.json'));
      expect(report.manifest).toMatchObject({ runId: spec.runId, experiment: 'contract', target: 'price' });
      expect(report.manifest.cells.map(({ id, status, dir }) => ({ id, status, dir }))).toEqual([
        { id: 'alpha', status: 'succeeded', dir: 'cells/alpha' },
        { id: 'beta', status: 'failed', dir: 'cells/beta' },
        { id: 'gamma', status: 'cached', dir: 'cells/gamma' },
      ]);
      expect(report.files.alpha).toEqual(expect.arrayContaining(['seen.json', 'artifacts/model.txt', 'stdout.txt']));
      expect(report.files.beta).toEqual(expect.arrayContaining(['stderr.txt']));
      expect(report.files.gamma).toEqual(['cached.txt']);
      expect(await text(joinKey(spec.aggregate!.outputPrefix, 'stdout.txt'))).toContain('stdout of aggregate');
    });

    it('never runs more tasks at once than the concurrency limit', async () => {
      const tasks = ['a', 'b', 'c', 'd', 'e'].map((id) => build.cell(id, { mode: 'span', ms: 300 }));
      const { outcome, events } = await run(build.spec(under.stagingUri, tasks, { limits: { concurrency: 2 } }));

      expect(outcome.tasks.every((task) => task.status === 'succeeded')).toBe(true);
      expect(peakRunning(events)).toBe(2);
      const spans = await Promise.all(tasks.map((task) => json<{ start: number; end: number }>(joinKey(task.outputPrefix, 'span.json'))));
      const overlap = Math.max(...spans.map((span) => spans.filter((other) => other.start <= span.start && span.start < other.end).length));
      expect(overlap).toBeLessThanOrEqual(2);
    });

    it.skipIf(options.supportsTimeouts === false)('stops an attempt that runs past the timeout and reports it failed', async () => {
      const spec = build.spec(
        under.stagingUri,
        [build.cell('slow', { mode: 'sleep', ms: 60_000 }), build.cell('quick', { mode: 'echo' })],
        {
          limits: { timeoutMs: 1500, retries: 0 },
        },
      );
      const started = Date.now();
      const { outcome, events } = await run(spec);

      expect(Date.now() - started).toBeLessThan(15_000);
      expect(outcomeOf(outcome, 'quick').status).toBe('succeeded');
      const slow = outcomeOf(outcome, 'slow');
      expect(slow).toMatchObject({ status: 'failed', attempts: 1 });
      expect(slow.error).toMatch(/timed out/);
      expect(events.find((event) => event.taskId === 'slow' && event.state === 'failed')?.message).toMatch(/timed out/);
    });

    it.skipIf(options.supportsCancellation === false)(
      'cancels: stops running tasks, starts no more, skips the aggregate and resolves quickly',
      async () => {
        const pidFiles = ['one', 'two'].map((id) => path.join(scratch, `${id}.pid`));
        const tasks = [
          build.cell('one', { mode: 'sleep', ms: 60_000, ...(shared ? { pidFile: pidFiles[0] } : {}) }),
          build.cell('two', { mode: 'sleep', ms: 60_000, ...(shared ? { pidFile: pidFiles[1] } : {}) }),
          build.cell('three', { mode: 'sleep', ms: 60_000 }),
        ];
        const spec = build.spec(under.stagingUri, tasks, { aggregate: build.aggregate(), limits: { concurrency: 2 } });
        const controller = new AbortController();
        const events: TaskEvent[] = [];
        let abortedAt = 0;
        let aborting = false;
        const running = under.backend.run(spec, {
          signal: controller.signal,
          onEvent: (event) => {
            events.push(event);
            if (!aborting && event.state === 'running' && statesOfRunning(events) === 2) {
              aborting = true;
              // Let both processes get going (and write their pids) before aborting.
              void waitFor(() => !shared || pidFiles.every((file) => existsSync(file)), 10_000).then(() => {
                abortedAt = Date.now();
                controller.abort();
              });
            }
          },
        });
        const outcome = await running;
        const tookMs = Date.now() - abortedAt;

        expect(abortedAt).toBeGreaterThan(0);
        expect(tookMs).toBeLessThan(cancelWithinMs);
        expect(eventProblems(spec, events, outcome)).toEqual([]);
        expect(outcome.cancelled).toBe(true);
        expect(outcome.tasks.map((task) => task.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
        expect(statesOf(events, 'three')).toEqual(['queued', 'cancelled']);
        expect(statesOf(events, 'aggregate')).not.toContain('running');
        expect(outcome.aggregate?.status ?? 'cancelled').toBe('cancelled');
        if (shared) {
          // A killed process can linger a moment as a zombie until its parent reaps it: give it a few seconds.
          for (const file of pidFiles) {
            const pid = Number(await readFile(file, 'utf8'));
            await waitFor(() => !isAlive(pid), 5_000);
            expect(isAlive(pid)).toBe(false);
          }
        }
      },
    );

    it.skipIf(options.supportsCancellation === false)('cancels before anything starts when the signal is already aborted', async () => {
      const spec = build.spec(under.stagingUri, [build.cell('never', { mode: 'echo' })], { aggregate: build.aggregate() });
      const { outcome, events } = await run(spec, { signal: AbortSignal.abort() });

      expect(outcome.cancelled).toBe(true);
      expect(outcome.tasks.map((task) => task.status)).toEqual(['cancelled']);
      expect(events.some((event) => event.state === 'running')).toBe(false);
      await expect(store.head(joinKey(spec.tasks[0]!.outputPrefix, 'seen.json'))).resolves.toBeUndefined();
    });
  });
}

function statesOfRunning(events: TaskEvent[]): number {
  return new Set(events.filter((event) => event.state === 'running').map((event) => event.taskId)).size;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Whether `pid` is a live process: a zombie (killed, not yet reaped by its parent) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return !existsSync('/proc');
  }
}
