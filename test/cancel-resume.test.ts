// Ctrl-C stops a run cleanly; the next `mxn run` runs only what is missing.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { e2eProject, mxnBin } from './support/project.js';

const slowModel = `import { readTaskInputs, writePredictions } from '@mxn/model-kit';
const { train, test, target } = await readTaskInputs();
await new Promise((resolve) => setTimeout(resolve, 1200));
const y = train.columns[target];
let sum = 0;
for (const value of y) sum += value;
await writePredictions(new Float64Array(test.numRows).fill(sum / y.length));
`;

describe('cancel and resume', () => {
  it('stops on SIGINT with exit 130, keeps finished cells, and resumes with only the missing ones', async () => {
    const project = await e2eProject(['data', 'node_modules']);
    await mkdir(project.file('models/slow'), { recursive: true });
    await writeFile(project.file('models/slow/train.js'), slowModel);
    await writeFile(project.file('models/slow/Dockerfile'), 'FROM node:20-slim\nCOPY . .\nCMD ["node", "train.js"]\n');
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

    const child = spawn(process.execPath, [mxnBin, 'run', 'experiments/slow.yaml'], { cwd: project.root, env: { ...process.env, NO_COLOR: '1' } });
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
    expect(Date.now() - interruptedAt).toBeLessThan(3000);
    const stopped = await project.results('slow');
    const done = stopped.cells.filter((cell) => cell.status === 'succeeded').map((cell) => cell.id);
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(done.length).toBeLessThan(8);
    expect(stopped.cells.filter((cell) => cell.status === 'cancelled').length).toBe(8 - done.length);
    expect(stderr).toMatch(/cancelling/);

    const resumed = await project.mxn(['run', 'experiments/slow.yaml']);
    expect(resumed.code).toBe(0);
    const results = await project.results('slow');
    expect(results.cells.filter((cell) => cell.status === 'cached').map((cell) => cell.id).sort()).toEqual([...done].sort());
    expect(results.cells.filter((cell) => cell.status === 'succeeded')).toHaveLength(8 - done.length);
  });
});
