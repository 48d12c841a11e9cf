// (a) Wall time of a 20 × 10 matrix of trivial cells through `mxn run`, against GNU parallel
// running the same per-cell commands (same folder, same environment) at the same concurrency.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadExperiment, planExperiment, stagingPaths } from '@mxn/core';
import { writeParquetFile } from '@mxn/data';
import { fmt, heading, median, timeCommand } from './util.js';

const VARIANTS = 20;
const DATASETS = 10;
const CONCURRENCY = 2;
const REPEATS = 3;

export async function benchMatrix({ mxnBin }) {
  heading(`(a) ${VARIANTS} × ${DATASETS} trivial cells at concurrency ${CONCURRENCY}: mxn run vs GNU parallel (baseline)`);
  try {
    execFileSync('parallel', ['--version'], { stdio: 'ignore' });
  } catch {
    console.log('skipped: GNU parallel is not installed (apt-get install parallel)');
    return undefined;
  }
  const root = await mkdtemp(path.join(tmpdir(), 'mxn-bench-matrix-'));
  const modelDir = path.join(root, 'models', 'trivial');
  await mkdir(modelDir, { recursive: true });
  await writeFile(path.join(modelDir, 'Dockerfile'), 'FROM node:20-slim\nCOPY . .\n');
  // Trivial model: predicts 0 for every test row, through the same model kit the demo models use.
  await writeFile(
    path.join(modelDir, 'train.js'),
    `import { readTaskInputs, writePredictions } from '@mxn/model-kit';
const { test } = await readTaskInputs();
await writePredictions(new Float64Array(test.numRows));
`,
  );
  const datasets = [];
  for (let d = 0; d < DATASETS; d++) {
    const x = Float64Array.from({ length: 50 }, (_, i) => i + d);
    await mkdir(path.join(root, 'data'), { recursive: true });
    await writeParquetFile(path.join(root, 'data', `d${d}.parquet`), {
      names: ['x', 'y'],
      columns: { x, y: x.map((v) => v * 2) },
      numRows: 50,
    });
    datasets.push(`  - { name: d${d}, train: data/d${d}.parquet }`);
  }
  const file = path.join(root, 'experiments', 'matrix.yaml');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    `name: matrix
datasets:
${datasets.join('\n')}
models:
  - name: trivial
    build: models/trivial
    command: [node, train.js]
    params: { i: [${Array.from({ length: VARIANTS }, (_, i) => i).join(', ')}] }
evaluation: { target: y, metrics: [rmse] }
compute: { concurrency: ${CONCURRENCY}, retries: 0 }
`,
  );
  // Node must find @mxn/model-kit from the temporary model folder, as it does inside the repo.
  const env = { ...process.env };
  await writeFile(path.join(root, 'package.json'), '{"private":true}\n');
  await symlink(path.resolve('node_modules'), path.join(root, 'node_modules'));

  // Warm-up run stages the inputs once; timed runs use --rerun all so every cell really runs.
  // The baseline runs host processes, so mxn does too (the container runtime has its own section).
  const warm = await timeCommand(process.execPath, [mxnBin, 'run', file, '--rerun', 'all', '--runtime', 'process'], { cwd: root, env });
  if (warm.code !== 0) throw new Error(`mxn run failed: ${warm.stderr.slice(-2000)}`);

  const plan = await planExperiment(await loadExperiment(file));
  const staging = path.join(root, '.mxn');
  const jobs = plan.cells.map((cell) => {
    const out = path.join(root, 'parallel-out', cell.key);
    const vars = {
      MXN_INPUT_DIR: path.join(staging, stagingPaths.inputs(cell.inputKey)),
      MXN_OUTPUT_DIR: out,
      MXN_PARAMS: JSON.stringify(cell.params),
      MXN_TARGET: 'y',
      MXN_TASK: 'regression',
      MXN_CELL_ID: cell.id,
      MXN_MODEL: cell.model,
      MXN_DATASET: cell.dataset,
    };
    const assign = Object.entries(vars)
      .map(([key, value]) => `${key}=${shellQuote(value)}`)
      .join(' ');
    return (
      `mkdir -p ${shellQuote(out)} && cd ${shellQuote(modelDir)} && ` +
      `${assign} node train.js > ${shellQuote(out)}/stdout.txt 2> ${shellQuote(out)}/stderr.txt`
    );
  });
  const jobsFile = path.join(root, 'jobs.txt');
  await writeFile(jobsFile, `${jobs.join('\n')}\n`);

  const mxnTimes = [];
  const parallelTimes = [];
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    const mxn = await timeCommand(process.execPath, [mxnBin, 'run', file, '--rerun', 'all', '--runtime', 'process'], { cwd: root, env });
    if (mxn.code !== 0) throw new Error(`mxn run failed: ${mxn.stderr.slice(-2000)}`);
    mxnTimes.push(mxn.ms);
    await rm(path.join(root, 'parallel-out'), { recursive: true, force: true });
    const gnu = await timeCommand('parallel', ['--will-cite', '-j', String(CONCURRENCY), '--halt', 'now,fail=1', '-a', jobsFile], {
      cwd: root,
      env,
    });
    if (gnu.code !== 0) throw new Error(`parallel failed: ${gnu.stderr.slice(-2000)}`);
    parallelTimes.push(gnu.ms);
  }
  const mxnMedian = median(mxnTimes);
  const gnuMedian = median(parallelTimes);
  console.log(`cells: ${plan.cells.length}; repeats: ${REPEATS}`);
  console.log(`mxn run (whole CLI: load, plan, run, score, write results): median ${fmt(mxnMedian)}  [${mxnTimes.map(fmt).join(', ')}]`);
  console.log(
    `GNU parallel -j ${CONCURRENCY} (same commands):              median ${fmt(gnuMedian)}  [${parallelTimes.map(fmt).join(', ')}]`,
  );
  console.log(`ratio mxn / parallel: ${(mxnMedian / gnuMedian).toFixed(3)} (aim ≤ 1.10)`);
  await rm(root, { recursive: true, force: true });
  return { mxnMedian, gnuMedian, ratio: mxnMedian / gnuMedian };
}

function shellQuote(value) {
  return `'${String(value).replace(/'/g, `'\\''`)}'`;
}
