// (b) Wall time and peak memory of `mxn plan` on a 100 × 100 experiment (100 models, 100 datasets).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeParquetFile } from '@mxn/data';
import { fmt, heading, median, timeNode } from './util.js';

const SIZE = 100;

export async function benchPlan({ mxnBin }) {
  heading(`(b) mxn plan on a ${SIZE} × ${SIZE} experiment (${SIZE * SIZE} cells)`);
  const root = await mkdtemp(path.join(tmpdir(), 'mxn-bench-plan-'));
  const models = [];
  const datasets = [];
  for (let i = 0; i < SIZE; i++) {
    const dir = path.join(root, 'models', `m${i}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM node:20-slim\nCOPY . .\n');
    await writeFile(path.join(dir, 'train.js'), `// model ${i}\n`);
    models.push(`  - { name: m${i}, build: models/m${i}, command: [node, train.js] }`);
    const x = Float64Array.from({ length: 100 }, (_, r) => r * (i + 1));
    await mkdir(path.join(root, 'data'), { recursive: true });
    await writeParquetFile(path.join(root, 'data', `d${i}.parquet`), {
      names: ['x', 'y'],
      columns: { x, y: x.map((v) => v + 1) },
      numRows: 100,
    });
    datasets.push(`  - { name: d${i}, train: data/d${i}.parquet }`);
  }
  const file = path.join(root, 'experiments', 'big.yaml');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `name: big\ndatasets:\n${datasets.join('\n')}\nmodels:\n${models.join('\n')}\nevaluation: { target: y }\n`);
  const runs = [];
  for (let repeat = 0; repeat < 3; repeat++) {
    const result = await timeNode(mxnBin, ['plan', file, '--json'], { cwd: root });
    if (result.code !== 0) throw new Error(`mxn plan failed: ${result.stderr.slice(-1000)}`);
    const cells = JSON.parse(result.stdout).cells.length;
    if (cells !== SIZE * SIZE) throw new Error(`expected ${SIZE * SIZE} cells, got ${cells}`);
    runs.push(result);
  }
  const wall = median(runs.map((run) => run.ms));
  const peak = runs[0].peakMiB === undefined ? undefined : median(runs.map((run) => run.peakMiB));
  console.log(`wall: median ${fmt(wall)} [${runs.map((run) => fmt(run.ms)).join(', ')}] (aim < 2 s)`);
  console.log(`peak RSS: ${peak === undefined ? 'unknown (install GNU time)' : `${peak.toFixed(0)} MiB`} (aim < 300 MB)`);
  await rm(root, { recursive: true, force: true });
  return { wall, peak };
}
