#!/usr/bin/env node
// `npm run bench`: prints figures and ratios against named baselines. Run after `npm run build`.
// Pick sections with arguments: node scripts/bench.js matrix plan cached
import path from 'node:path';
import { benchAwsBatchSubmit } from './bench/aws-batch-submit.js';
import { benchBatchSubmit } from './bench/batch-submit.js';
import { benchCachedDemo } from './bench/cached-demo.js';
import { benchContainerOverhead } from './bench/container-overhead.js';
import { benchMatrix } from './bench/matrix-vs-parallel.js';
import { benchPlan } from './bench/plan-large.js';
import { benchTransfer } from './bench/transfer-vs-rclone.js';
import { heading, timeCommand } from './bench/util.js';

// The AWS SDK's notice that its 2027 releases need Node.js 22 is not a benchmark figure (clients are made later, at run time).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function benchParquet() {
  heading('parquet: read, split and write a 1,000,000-row file with the chosen library (hyparquet)');
  const run = await timeCommand(process.execPath, ['scripts/bench-parquet.js']);
  process.stdout.write(run.stdout);
  if (run.code !== 0) throw new Error(run.stderr);
}

const mxnBin = path.resolve('packages/cli/dist/bin.js');
const sections = {
  matrix: benchMatrix,
  plan: benchPlan,
  cached: benchCachedDemo,
  parquet: benchParquet,
  'batch-submit': () => benchBatchSubmit(),
  'aws-batch-submit': () => benchAwsBatchSubmit(),
  transfer: benchTransfer,
  containers: benchContainerOverhead,
};
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(sections);
console.log(`# mxn benchmarks (${new Date().toISOString()}, node ${process.version})`);
for (const name of chosen) {
  const section = sections[name];
  if (!section) throw new Error(`unknown section "${name}"; choose from ${Object.keys(sections).join(', ')}`);
  await section({ mxnBin });
}
