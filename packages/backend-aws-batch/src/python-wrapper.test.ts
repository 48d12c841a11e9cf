// The task wrapper in an image without Node.js: its HTTP helper is then io-python.ts (python3 -c). Cells and the
// aggregate run in the official python:3.11-slim image through the loopback service's container runtime, and as
// processes whose PATH holds python3 and the shell tools but no node; both give the same outcomes as io-node.ts.
import { spawnSync } from 'node:child_process';
import { mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LocalImages } from '@mxn/testkit';
import { skipWithoutDocker } from '@mxn/testkit';
import type { RunSpec, TaskSpec } from '@mxn/core';
import { joinKey, readText } from '@mxn/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopback, type Loopback } from '../test-support/loopback.js';
import { testSpec } from '../test-support/specs.js';

const PYTHON_IMAGE = 'mxn.local/python-only:1';

/** Input `x.txt` + 1 to `y.txt`, or 30 lines of stderr and exit `FAIL_CODE`. */
const CELL = `
import os, sys
if os.environ.get("FAIL_CODE"):
    for i in range(1, 31): print("oops %d" % i, file=sys.stderr)
    sys.exit(int(os.environ["FAIL_CODE"]))
x = int(open(os.path.join(os.environ["MXN_INPUT_DIR"], "x.txt")).read())
open(os.path.join(os.environ["MXN_OUTPUT_DIR"], "y.txt"), "w").write(str(x + 1))
print("done " + os.environ["MXN_CELL_ID"])
`;

/** The statuses the manifest gives and every cell's `y.txt`, as the Node test aggregate writes them. */
const AGGREGATE = `
import json, os
d = os.environ["MXN_INPUT_DIR"]
m = json.load(open(os.path.join(d, "manifest.json")))
out = {"statuses": {}, "ys": {}}
for c in m["cells"]:
    out["statuses"][c["id"]] = c["status"]
    y = os.path.join(d, c["dir"], "y.txt")
    if os.path.exists(y): out["ys"][c["id"]] = open(y).read()
json.dump(out, open(os.path.join(os.environ["MXN_OUTPUT_DIR"], "summary.json"), "w"))
`;

const inPython = (task: TaskSpec, script: string): TaskSpec => ({ ...task, image: PYTHON_IMAGE, command: ['python3', '-c', script] });

/** A folder for PATH with python3 and the tools the wrapper's shell calls, and no node. */
async function pathWithoutNode(): Promise<string> {
  const bin = await mkdtemp(path.join(tmpdir(), 'mxn-python-only-'));
  const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
  await symlink(python, path.join(bin, 'python3'));
  for (const tool of ['sh', 'rm', 'mkdir', 'sleep']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    await symlink(found, path.join(bin, tool));
  }
  return bin;
}

const runtimes: Array<{ runtime: 'process' | 'container'; skip: () => boolean; images: () => Promise<LocalImages> }> = [
  {
    runtime: 'process',
    skip: () => spawnSync('python3', ['--version']).status !== 0,
    images: async () => ({ [PYTHON_IMAGE]: { cwd: tmpdir(), env: { PATH: await pathWithoutNode() } } }),
  },
  {
    runtime: 'container',
    skip: () => skipWithoutDocker(),
    images: async () => ({ [PYTHON_IMAGE]: { cwd: '/', container: { ref: 'python:3.11-slim' } } }),
  },
];

describe.each(runtimes)('the task wrapper in a Python-only image ($runtime)', ({ runtime, skip, images }) => {
  const skipped = skip();
  let loop: Loopback;
  beforeAll(async () => {
    if (!skipped) loop = await startLoopback({ runtime, images: await images() });
  }, 60_000);
  afterAll(async () => {
    await loop?.stop();
  });

  it.skipIf(skipped)(
    'runs cells and the aggregate with io-python: outputs, logs, a failed cell and its exit code',
    { timeout: 120_000 },
    async () => {
      if (runtime === 'container') {
        // The image really is Python-only: the wrapper cannot fall back to node.
        expect(spawnSync('docker', ['run', '--rm', 'python:3.11-slim', 'sh', '-c', 'command -v node']).status).not.toBe(0);
      }
      const { uri, store } = await loop.staging();
      const base = testSpec(uri, [{ id: 'a' }, { id: 'bad', env: { FAIL_CODE: '3' } }, { id: 'c' }], {
        limits: { concurrency: 4, retries: 1, timeoutMs: 60_000 },
      });
      const spec: RunSpec = {
        ...base,
        tasks: base.tasks.map((task) => inPython(task, CELL)),
        aggregate: inPython(base.aggregate!, AGGREGATE),
      };
      for (const [i, task] of spec.tasks.entries()) await store.write(joinKey(task.inputPrefix, 'x.txt'), String(10 * (i + 1)));

      const outcome = await loop.backend().run(spec);
      expect(outcome.tasks.map((task) => [task.taskId, task.status, task.exitCode])).toEqual([
        ['a', 'succeeded', 0],
        ['bad', 'failed', 3],
        ['c', 'succeeded', 0],
      ]);
      const bad = outcome.tasks[1]!;
      expect(bad.attempts).toBe(1);
      expect(bad.error).toMatch(/^exit code 3\n/);
      expect(bad.error).toContain('oops 30');
      expect(await readText(store, joinKey(spec.tasks[0]!.outputPrefix, 'y.txt'))).toBe('11');
      expect(await readText(store, joinKey(spec.tasks[0]!.outputPrefix, 'stdout.txt'))).toBe('done a\n');
      expect(outcome.aggregate?.status).toBe('succeeded');
      expect(JSON.parse(await readText(store, joinKey(spec.aggregate!.outputPrefix, 'summary.json')))).toEqual({
        statuses: { a: 'succeeded', bad: 'failed', c: 'succeeded' },
        ys: { a: '11', c: '31' },
      });
      loop.batch.assertNoSecrets();
    },
  );
});
