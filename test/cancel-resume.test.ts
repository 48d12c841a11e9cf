// Ctrl-C stops a run cleanly; the next `mxn run` runs only what is missing.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { e2eProject, mxnBin } from './support/project.js';

const slowModel = `import { readTaskInputs, writePredictions } from '@mxn/model-kit';
import { writeFileSync } from 'node:fs';
const { train, test, target } = await readTaskInputs();
writeFileSync(process.env.MXN_OUTPUT_DIR + '/pid', String(process.pid));
if (JSON.parse(process.env.MXN_PARAMS).stubborn) process.on('SIGTERM', () => {}); // ignores polite stops
await new Promise((resolve) => setTimeout(resolve, Number(JSON.parse(process.env.MXN_PARAMS).sleep ?? 1200)));
const y = train.columns[target];
let sum = 0;
for (const value of y) sum += value;
await writePredictions(new Float64Array(test.numRows).fill(sum / y.length));
`;

describe('cancel and resume', () => {
  it('stops on SIGINT with exit 130, keeps finished cells, and resumes with only the missing ones', async () => {
    const project = await e2eProject(['data', 'node_modules']);
    await project.model('slow', slowModel);
    await project.experiment(
      'slow',
      `name: slow
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: slow, build: models/slow, command: [node, train.js], params: { i: [1, 2, 3, 4] } }
evaluation: { target: price, metrics: [rmse] }
compute: { concurrency: 2, retries: 0 }
`,
    );

    const child = spawn(process.execPath, [mxnBin, 'run', 'experiments/slow.yaml'], {
      cwd: project.root,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    let interruptedAt = 0;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!interruptedAt && (stderr.match(/succeeded/g) ?? []).length >= 2) {
        interruptedAt = Date.now();
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(Date.now() - interruptedAt).toBeLessThan(5_000);
    const stopped = await project.results('slow');
    const done = stopped.cells.filter((cell) => cell.status === 'succeeded').map((cell) => cell.id);
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(done.length).toBeLessThan(8);
    expect(stopped.cells.filter((cell) => cell.status === 'cancelled').length).toBe(8 - done.length);
    expect(stderr).toMatch(/cancelling/);

    const resumed = await project.mxn(['run', 'experiments/slow.yaml']);
    expect(resumed.code).toBe(0);
    const results = await project.results('slow');
    expect(
      results.cells
        .filter((cell) => cell.status === 'cached')
        .map((cell) => cell.id)
        .sort(),
    ).toEqual([...done].sort());
    expect(results.cells.filter((cell) => cell.status === 'succeeded')).toHaveLength(8 - done.length);
  });

  it('keeps the cells that finished when mxn is killed outright, and the next run does only the rest', async () => {
    const project = await e2eProject(['data', 'node_modules']);
    await project.model('slow', slowModel);
    await project.experiment(
      'killed',
      `name: killed
datasets:
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: slow, build: models/slow, command: [node, train.js], params: { sleep: 600, i: [1, 2, 3, 4, 5, 6, 7, 8] } }
evaluation: { target: price, metrics: [rmse] }
compute: { concurrency: 2, retries: 0 }
`,
    );
    const child = spawn(process.execPath, [mxnBin, 'run', 'experiments/killed.yaml'], {
      cwd: project.root,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if ((stderr.match(/succeeded/g) ?? []).length >= 3) child.kill('SIGKILL');
    });
    await new Promise((resolve) => child.on('close', resolve));
    await expect(project.results('killed')).rejects.toThrow(); // it never got to write results

    const resumed = await project.mxn(['run', 'experiments/killed.yaml']);
    expect(resumed.code).toBe(0);
    const results = await project.results('killed');
    const cached = results.cells.filter((cell) => cell.status === 'cached').length;
    expect(cached).toBeGreaterThanOrEqual(2);
    expect(results.cells.filter((cell) => cell.status === 'succeeded')).toHaveLength(8 - cached);
  });

  it('quits at once on a second Ctrl-C and leaves no model process running', async () => {
    const project = await e2eProject(['data', 'node_modules']);
    await project.model('slow', slowModel);
    await project.experiment(
      'stuck',
      `name: stuck
datasets:
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: slow, build: models/slow, command: [node, train.js], params: { sleep: 60000, stubborn: true, i: [1, 2] } }
evaluation: { target: price, metrics: [rmse] }
compute: { concurrency: 2, retries: 0 }
`,
    );
    const child = spawn(process.execPath, [mxnBin, 'run', 'experiments/stuck.yaml'], {
      cwd: project.root,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    const running = new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if ((stderr.match(/running/g) ?? []).length >= 2) resolve();
      }),
    );
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await running;
    const pids = await waitForPids(project.root, 2);
    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 150)); // signals sent together would arrive as one
    child.kill('SIGINT');
    expect(await closed).toBe(130);
    for (const pid of pids) {
      for (let tries = 0; tries < 100 && (await isRunning(pid)); tries++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await isRunning(pid)).toBe(false);
    }
  });
});

/** The pids the slow model wrote into its output folders, once `count` of them exist. */
async function waitForPids(root: string, count: number): Promise<number[]> {
  for (let tries = 0; tries < 400; tries++) {
    const files = (await readdir(path.join(root, '.mxn', 'cells'), { recursive: true }).catch(() => [])).filter((file) =>
      String(file).endsWith('pid'),
    );
    if (files.length >= count)
      return Promise.all(files.map(async (file) => Number(await readFile(path.join(root, '.mxn', 'cells', String(file)), 'utf8'))));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the model processes never started');
}

/** True while `pid` is a live process (a killed one whose exit nobody has collected yet is a zombie: not running). */
async function isRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}
