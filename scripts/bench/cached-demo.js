// (c) A fully cached rerun of the demo experiment, through the whole CLI (node start-up included).
import { existsSync } from 'node:fs';
import { writeHousingDemo } from '@mxn/demo-data';
import { fmt, heading, median, timeCommand } from './util.js';

export async function benchCachedDemo({ mxnBin }) {
  heading('(c) fully cached rerun of experiments/housing-demo.yaml');
  await writeHousingDemo('data/housing');
  const runDemo = () =>
    timeCommand(process.execPath, [mxnBin, 'run', 'experiments/housing-demo.yaml', '--out', '.mxn/bench-results', '--runtime', 'process']);
  const first = await runDemo();
  if (first.code !== 0) throw new Error(`demo run failed: ${first.stderr.slice(-2000)}`);
  const times = [];
  for (let repeat = 0; repeat < 5; repeat++) {
    const run = await runDemo();
    if (run.code !== 0) throw new Error(`cached demo run failed: ${run.stderr.slice(-2000)}`);
    if (!/0 succeeded, \d+ cached, 0 failed/.test(run.stdout))
      throw new Error(`expected every cell cached, got: ${run.stdout.slice(-400)}`);
    times.push(run.ms);
  }
  const baseline = await timeCommand(process.execPath, ['-e', '0']);
  console.log(`first run (may be cached already): ${fmt(first.ms)}`);
  const cached = median(times);
  console.log(`cached rerun: median ${fmt(cached)} [${times.map(fmt).join(', ')}] (aim < 1 s); bare node start-up: ${fmt(baseline.ms)}`);
  return { cached, existsBefore: existsSync('.mxn') };
}
