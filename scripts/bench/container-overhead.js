// (g) What a container costs per cell: 20 trivial cells through `mxn run --runtime container`
// against the same cells as host processes (`--runtime process`, the baseline), then a second run
// of the unchanged experiment in containers, which must build nothing and run nothing.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeParquetFile } from '@mxn/data';
import { fmt, heading, median, timeCommand } from './util.js';

const CELLS = 20;
const CONCURRENCY = 2;
const REPEATS = 3;

export async function benchContainerOverhead({ mxnBin }) {
  heading(`(g) ${CELLS} trivial cells at concurrency ${CONCURRENCY}: container runtime vs process runtime (baseline)`);
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 });
  } catch {
    console.log('skipped: no container engine answers (start Docker or Podman)');
    return undefined;
  }
  const root = await mkdtemp(path.join(tmpdir(), 'mxn-bench-containers-'));
  const modelDir = path.join(root, 'models', 'trivial');
  await mkdir(modelDir, { recursive: true });
  await cp(path.resolve('models/ensemble/Dockerfile'), path.join(modelDir, 'Dockerfile'));
  await writeFile(
    path.join(modelDir, 'package.json'),
    JSON.stringify({ name: 'trivial', private: true, type: 'module', dependencies: { '@mxn/model-kit': '*' } }, null, 2),
  );
  await writeFile(
    path.join(modelDir, 'train.js'),
    `import { readTaskInputs, writePredictions } from '@mxn/model-kit';
const { test } = await readTaskInputs();
await writePredictions(new Float64Array(test.numRows));
`,
  );
  const x = Float64Array.from({ length: 200 }, (_, i) => i);
  await mkdir(path.join(root, 'data'), { recursive: true });
  await writeParquetFile(path.join(root, 'data', 'd.parquet'), { names: ['x', 'y'], columns: { x, y: x.map((v) => v * 2) }, numRows: 200 });
  const file = path.join(root, 'experiments', 'trivial.yaml');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    `name: trivial
datasets: [{ name: d, train: data/d.parquet }]
models:
  - { name: trivial, build: models/trivial, command: [node, train.js], \
params: { i: [${Array.from({ length: CELLS }, (_, i) => i).join(', ')}] } }
evaluation: { target: y, metrics: [rmse] }
compute: { concurrency: ${CONCURRENCY}, retries: 0 }
`,
  );
  await writeFile(path.join(root, 'package.json'), '{"private":true}\n');
  await symlink(path.resolve('node_modules'), path.join(root, 'node_modules'));
  // The image's `npm install` needs a network; a daemon without a bridge builds on the host's.
  const env = { ...process.env, MXN_BUILD_NETWORK: process.env.MXN_BUILD_NETWORK ?? 'host' };
  const run = async (runtime, extra = ['--rerun', 'all']) => {
    const result = await timeCommand(process.execPath, [mxnBin, 'run', file, '--runtime', runtime, ...extra], { cwd: root, env });
    if (result.code !== 0) throw new Error(`mxn run --runtime ${runtime} failed: ${result.stderr.slice(-2000)}`);
    return result;
  };
  const build = await run('container');
  console.log(`first container run (builds the image): ${fmt(build.ms)}`);
  await run('process');
  const times = { container: [], process: [] };
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    for (const runtime of ['process', 'container']) times[runtime].push((await run(runtime)).ms);
  }
  const perCell = (ms) => (ms * CONCURRENCY) / CELLS;
  const container = median(times.container);
  const processes = median(times.process);
  console.log(
    `process runtime (baseline): median ${fmt(processes)} [${times.process.map(fmt).join(', ')}], ${fmt(perCell(processes))} per cell`,
  );
  console.log(
    `container runtime:          median ${fmt(container)} [${times.container.map(fmt).join(', ')}], ${fmt(perCell(container))} per cell`,
  );
  console.log(`overhead per cell: ${fmt(perCell(container - processes))}; container / process: ${(container / processes).toFixed(2)}×`);

  const again = await run('container', []);
  const built = (again.stderr.match(/: built\b/g) ?? []).length;
  const cached = /0 succeeded, (\d+) cached, 0 failed/.exec(again.stdout)?.[1];
  console.log(`unchanged rerun in containers: ${fmt(again.ms)}, built ${built}, ran 0, reused ${cached ?? '?'} cached cells`);
  return { container, processes };
}
