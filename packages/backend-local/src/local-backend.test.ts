import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendError, type RunSpec, type TaskEvent, type TaskSpec } from '@mxn/core';
import { registerStoreDriver, StoreError, type ObjectInfo, type Store } from '@mxn/storage';
import { testBackend } from '@mxn/core/testing';
import { localBackend } from './index.js';

testBackend('local', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mxn-local-staging-'));
  return {
    backend: localBackend({ retryBaseMs: 10, killGraceMs: 500 }),
    stagingUri: dir,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

let memoryStores = 0;
registerStoreDriver('memtest', async (uri) => {
  const store = memoryRegistry.get(uri);
  if (!store) throw new StoreError('NotFound', `no memory store ${uri}`);
  return store;
});
const memoryRegistry = new Map<string, Store>();

testBackend('local with a remote staging store', async () => {
  const uri = `memtest://stores/${++memoryStores}`;
  const store = memoryStore(uri);
  memoryRegistry.set(uri, store);
  return {
    backend: localBackend({ retryBaseMs: 10, killGraceMs: 500 }),
    stagingUri: uri,
    store,
    cleanup: async () => void memoryRegistry.delete(uri),
  };
});

describe('localBackend', () => {
  let staging: string;
  let buildDir: string;
  beforeEach(async () => {
    staging = await mkdtemp(path.join(tmpdir(), 'mxn-local-staging-'));
    buildDir = await mkdtemp(path.join(tmpdir(), 'mxn-local-build-'));
  });
  afterEach(async () => {
    await rm(staging, { recursive: true, force: true });
    await rm(buildDir, { recursive: true, force: true });
  });

  function task(id: string, command: string[], extra: Partial<TaskSpec> = {}): TaskSpec {
    return {
      id,
      kind: 'cell',
      model: 'm',
      dataset: 'd',
      command,
      buildDir,
      env: { MXN_CELL_ID: id },
      inputPrefix: `cells/${id}/input`,
      outputPrefix: `cells/${id}/output`,
      ...extra,
    };
  }
  function spec(tasks: TaskSpec[], limits: Partial<RunSpec['limits']> = {}): RunSpec {
    return {
      runId: 'r1',
      experiment: 'e',
      stagingUri: staging,
      tasks,
      target: 'y',
      limits: { concurrency: 2, retries: 0, timeoutMs: 30_000, ...limits },
    };
  }
  const node = (code: string) => [process.execPath, '-e', code];
  const output = (id: string, file: string) => path.join(staging, 'cells', id, 'output', file);

  it('has the name local, the process runtime without an engine, and no container or re-attach capability', () => {
    expect(localBackend()).toMatchObject({ name: 'local', runtime: 'process', capabilities: { reattach: false, containers: false } });
    expect(() => localBackend({ runtime: 'container' })).toThrow(/needs a container engine/);
  });

  it('runs a task in a scratch copy of its build folder with a clean environment, and hands it the store folders in place', async () => {
    await writeFile(
      path.join(buildDir, 'train.js'),
      `
      const fs = require('node:fs');
      fs.writeFileSync('model.pkl', 'weights');
      fs.mkdirSync('__pycache__');
      fs.writeFileSync(process.env.MXN_OUTPUT_DIR + '/seen.json', \
JSON.stringify({ cwd: process.cwd(), files: fs.readdirSync('.').sort(), env: process.env }));`,
    );
    await writeFile(path.join(buildDir, 'notes.txt'), 'left out by .dockerignore');
    await writeFile(path.join(buildDir, '.dockerignore'), 'notes.txt\n');
    const secrets = {
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      INPUT_TOKEN: 'ghs_token',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc',
      AZURE_STORAGE_CONNECTION_STRING: 'AccountKey=k',
    };
    Object.assign(process.env, secrets, { MXN_LOCAL_TEST_PASSED: 'yes' });
    try {
      await localBackend({ passEnv: ['MXN_LOCAL_TEST_PASSED'], tempDir: path.join(staging, 'scratch') }).run(
        spec([task('a', ['node', 'train.js'], { env: { MXN_CELL_ID: 'a', MXN_PARAMS: '{"k":1}' } })]),
      );
    } finally {
      for (const name of [...Object.keys(secrets), 'MXN_LOCAL_TEST_PASSED']) delete process.env[name];
    }
    const seen = JSON.parse(await readFile(output('a', 'seen.json'), 'utf8')) as {
      cwd: string;
      files: string[];
      env: Record<string, string>;
    };
    // The scratch copy holds what the image would (.dockerignore honoured); what the model wrote stays out of the source tree.
    expect(path.dirname(seen.cwd)).toBe(path.join(staging, 'scratch'));
    expect(seen.files).toEqual(['.dockerignore', '__pycache__', 'model.pkl', 'train.js']);
    expect((await readdir(buildDir)).sort()).toEqual(['.dockerignore', 'notes.txt', 'train.js']);
    expect(await readdir(path.join(staging, 'scratch'))).toEqual([]);
    expect(seen.env).toMatchObject({
      PATH: process.env.PATH,
      MXN_LOCAL_TEST_PASSED: 'yes',
      MXN_CELL_ID: 'a',
      MXN_PARAMS: '{"k":1}',
      MXN_INPUT_DIR: path.join(staging, 'cells', 'a', 'input'),
      MXN_OUTPUT_DIR: path.join(staging, 'cells', 'a', 'output'),
    });
    for (const name of Object.keys(secrets)) expect(seen.env).not.toHaveProperty(name);
  });

  it('kills the whole process tree when an attempt times out', async () => {
    const code = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      require('node:fs').writeFileSync(process.env.MXN_OUTPUT_DIR + '/child.pid', String(child.pid));
      setInterval(() => {}, 1000);`;
    const outcome = await localBackend({ killGraceMs: 200 }).run(spec([task('tree', node(code))], { timeoutMs: 1000 }));
    expect(outcome.tasks[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^timed out after 1\.0s/) });
    const pid = Number(await readFile(output('tree', 'child.pid'), 'utf8'));
    // The orphaned grandchild is reaped by init shortly after it dies.
    await waitUntil(() => !isAlive(pid), 2000);
    expect(isAlive(pid)).toBe(false);
  });

  it('stops processes a finished task left running, as a container would', async () => {
    const code = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      child.unref();
      require('node:fs').writeFileSync(process.env.MXN_OUTPUT_DIR + '/child.pid', String(child.pid));`;
    const outcome = await localBackend().run(spec([task('orphan', node(code))]));
    expect(outcome.tasks[0]?.status).toBe('succeeded');
    const pid = Number(await readFile(output('orphan', 'child.pid'), 'utf8'));
    await waitUntil(() => !isAlive(pid), 2000);
    expect(isAlive(pid)).toBe(false);
  });

  it('reports a command that cannot start, a signal, and keeps the stderr tail to 20 lines', async () => {
    const noisy = node(`for (let i = 1; i <= 30; i++) console.error('line ' + i); process.exit(7)`);
    const outcome = await localBackend().run(
      spec([task('missing', ['mxn-no-such-program']), task('signal', node(`process.kill(process.pid, 'SIGKILL')`)), task('noisy', noisy)]),
    );
    const [missing, signal, noisyOutcome] = outcome.tasks;
    expect(missing).toMatchObject({ status: 'failed', attempts: 1 });
    expect(missing?.error).toMatch(/^could not start "mxn-no-such-program" in .*ENOENT/);
    expect(signal).toMatchObject({ status: 'failed', error: 'killed by SIGKILL' });
    expect(noisyOutcome).toMatchObject({ status: 'failed', exitCode: 7 });
    const lines = noisyOutcome!.error!.split('\n');
    expect(lines[0]).toBe('exit code 7');
    expect(lines.slice(1)).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 11}`));
  });

  it('streams large output to stdout.txt in full', async () => {
    const size = 8 * 1024 * 1024;
    const outcome = await localBackend().run(spec([task('loud', node(`process.stdout.write(Buffer.alloc(${size}, 97))`))]));
    expect(outcome.tasks[0]?.status).toBe('succeeded');
    expect((await stat(output('loud', 'stdout.txt'))).size).toBe(size);
  });

  it('cancels promptly while a task waits to retry', async () => {
    const controller = new AbortController();
    const events: TaskEvent[] = [];
    const started = Date.now();
    const outcome = await localBackend({ retryBaseMs: 60_000 }).run(
      spec([task('failing', node('process.exit(1)'))], { retries: 3, retryModelFailures: true }),
      {
        signal: controller.signal,
        onEvent: (event) => {
          events.push(event);
          if (event.state === 'retrying') controller.abort();
        },
      },
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(outcome).toMatchObject({ cancelled: true, tasks: [{ status: 'cancelled', attempts: 1 }] });
    expect(events.map((event) => event.state)).toEqual(['queued', 'running', 'retrying', 'cancelled']);
  });

  it('waits with growing delays between attempts', async () => {
    const events: TaskEvent[] = [];
    await localBackend({ retryBaseMs: 150 }).run(
      spec([task('failing', node('process.exit(1)'))], { retries: 2, retryModelFailures: true }),
      {
        onEvent: (event) => events.push(event),
      },
    );
    const at = (state: string, attempt: number) => events.find((event) => event.state === state && event.attempt === attempt)!.at.getTime();
    // Delays are 50–100 % of 150 ms, then of 300 ms.
    expect(at('running', 2) - at('retrying', 1)).toBeGreaterThanOrEqual(70);
    expect(at('running', 3) - at('retrying', 2)).toBeGreaterThanOrEqual(145);
  });

  it('uses its own concurrency when the run asks for none', async () => {
    const events: TaskEvent[] = [];
    const tasks = ['a', 'b', 'c'].map((id) => task(id, node('')));
    await localBackend({ concurrency: 1 }).run(spec(tasks, { concurrency: 0 }), { onEvent: (event) => events.push(event) });
    const active = events.filter((event) => event.state !== 'queued').map((event) => `${event.taskId}:${event.state}`);
    expect(active).toEqual(['a:running', 'a:succeeded', 'b:running', 'b:succeeded', 'c:running', 'c:succeeded']);
  });

  it('keeps running when the event listener throws, and warns once', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const outcome = await localBackend().run(spec([task('a', node('')), task('b', node(''))]), {
        onEvent: () => {
          throw new Error('listener bug');
        },
      });
      expect(outcome.tasks.map((task) => task.status)).toEqual(['succeeded', 'succeeded']);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((message) => message.includes('listener bug'))).toHaveLength(1);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('rejects duplicate or unsafe task ids with a BackendError before running anything', async () => {
    await expect(localBackend().run(spec([task('a', node('')), task('a', node(''))]))).rejects.toThrow(BackendError);
    await expect(localBackend().run(spec([task('../a', node(''))]))).rejects.toMatchObject({
      code: 'Backend',
      message: expect.stringMatching(/^backend: local: .*safe folder name/),
    });
    await expect(localBackend().run(spec([task('a', [])]))).rejects.toThrow(/empty command/);
    // core's one id rule (unsafeIdReason): what the old folder-name check let through is refused too
    for (const [id, reason] of [
      ['a\n::error::forged', /line-break/],
      ['a\u202eb', /invisible/],
      ['-rf', /starts with "-"/],
      ['a..b', /holds "\.\."/],
      ['.', /is "\."/],
      ['x'.repeat(201), /longer than 200 bytes/],
    ] as const) {
      await expect(localBackend().run(spec([task(id, node(''))])), JSON.stringify(id)).rejects.toMatchObject({
        code: 'Backend',
        message: expect.stringMatching(reason),
      });
    }
  });
});

/** A Store kept in memory, without `localPath`: the local backend must mirror it through temp folders. */
function memoryStore(uri: string, objects = new Map<string, Buffer>(), root = ''): Store {
  const full = (key: string) => (root ? `${root}/${key}` : key);
  const info = (key: string, body: Buffer): ObjectInfo => ({ key, size: body.length, etag: String(body.length) });
  return {
    uri,
    capabilities: { signedUrls: false, prefixSignedUrls: false, serverSideCopyFromUrl: false },
    async *list({ prefix = '' } = {}) {
      const keys = [...objects.keys()].filter((key) => key.startsWith(full(prefix)) && (!root || key.startsWith(`${root}/`))).sort();
      for (const key of keys) yield info(root ? key.slice(root.length + 1) : key, objects.get(key)!);
    },
    async head(key) {
      const body = objects.get(full(key));
      return body ? info(key, body) : undefined;
    },
    async read(key) {
      const body = objects.get(full(key));
      if (!body) throw new StoreError('NotFound', `${key} does not exist`);
      return Readable.from([body]);
    },
    async write(key, body) {
      const chunks: Buffer[] = [];
      if (typeof body === 'string' || body instanceof Uint8Array) chunks.push(Buffer.from(body));
      else for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
      const bytes = Buffer.concat(chunks);
      objects.set(full(key), bytes);
      return info(key, bytes);
    },
    async delete(key) {
      objects.delete(full(key));
    },
    child: (prefix) => memoryStore(`${uri}/${prefix}`, objects, full(prefix)),
  };
}

/** True while `pid` exists and is not a zombie waiting to be reaped. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}
