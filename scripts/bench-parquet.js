#!/usr/bin/env node
// Measures @mxn/data's parquet I/O on a generated table (default 1,000,000 rows × 8 columns:
// 7 numeric, 1 categorical string): read, split (test 0.2) and write — median of 3 runs each —
// and the peak RSS of each step, run in its own process so the figures do not mix.
//
// Usage: node scripts/bench-parquet.js [--rows N] [--json]
// Needs the built package: npx turbo run build --filter=@mxn/data
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readParquet, splitTable, writeParquet, writeParquetFile } from '@mxn/data';

const RUNS = 3;
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const rows = Number(flag('--rows', '1000000'));

/** A deterministic housing-like table: rounded numbers, integers, 5 % nulls, an 8-level category. */
function makeTable(n) {
  let s = 12345;
  const r = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const c = {};
  c.area = new Float64Array(n).map(() => Math.round((30 + r() * 200) * 10) / 10);
  c.rooms = new Float64Array(n).map(() => 1 + Math.floor(r() * 6));
  c.year = new Float64Array(n).map(() => 1950 + Math.floor(r() * 74));
  c.lat = new Float64Array(n).map(() => 37.4 + r() * 0.3);
  c.lon = new Float64Array(n).map(() => 126.8 + r() * 0.4);
  c.distance = new Float64Array(n).map(() => (r() < 0.05 ? NaN : Math.round(r() * 5000)));
  c.price = new Float64Array(n).map((_, i) => Math.round(c.area[i] * 1000 + r() * 5000));
  const regions = ['gangnam', 'mapo', 'jongno', 'songpa', 'nowon', 'yongsan', 'seocho', 'gwanak'];
  c.region = Array.from({ length: n }, () => regions[Math.floor(r() * regions.length)]);
  return { names: Object.keys(c), columns: c, numRows: n };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(fn) {
  const times = [];
  let out;
  for (let k = 0; k < RUNS; k++) {
    const t0 = performance.now();
    out = await fn();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), out };
}

/** One step, in this (child) process: prints its figures as JSON. */
async function step(name, file) {
  const peakBefore = process.resourceUsage().maxRSS;
  let ms;
  if (name === 'write') {
    const table = makeTable(rows);
    ({ ms } = await timed(() => writeParquet(table)));
    await writeParquetFile(file, table);
  } else if (name === 'read') {
    const bytes = new Uint8Array(readFileSync(file));
    const { ms: t, out } = await timed(() => readParquet(bytes));
    if (out.numRows !== rows) throw new Error(`bench-parquet: read ${out.numRows} rows, expected ${rows}`);
    ms = t;
  } else if (name === 'split') {
    const table = makeTable(rows);
    const { ms: t, out } = await timed(() => splitTable(table, { test: 0.2, seed: 42 }));
    if (out.train.numRows + out.test.numRows !== rows) throw new Error('bench-parquet: split lost rows');
    ms = t;
  } else if (name === 'baseline') {
    makeTable(rows);
    ms = 0;
  }
  const kb = process.resourceUsage().maxRSS;
  process.stdout.write(`${JSON.stringify({ step: name, ms, peakRssMB: kb / 1024, startRssMB: peakBefore / 1024 })}\n`);
}

function runChild(name, file) {
  const self = fileURLToPath(import.meta.url);
  const res = spawnSync(process.execPath, [self, '--step', name, '--file', file, '--rows', String(rows)], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`bench-parquet: step ${name} failed:\n${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').pop());
}

if (args.includes('--step')) {
  await step(flag('--step'), flag('--file'));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'mxn-bench-parquet-'));
  try {
    const file = join(dir, 'bench.parquet');
    const results = {};
    for (const name of ['baseline', 'write', 'read', 'split']) results[name] = runChild(name, file);
    const size = statSync(file).size;
    if (args.includes('--json')) {
      process.stdout.write(`${JSON.stringify({ rows, fileBytes: size, ...results }, null, 2)}\n`);
    } else {
      const mb = (x) => `${x.toFixed(0)} MB`;
      console.log(
        `parquet (hyparquet + hyparquet-writer, snappy): ` +
          `${rows.toLocaleString('en')} rows × 8 columns, file ${(size / 1e6).toFixed(1)} MB`,
      );
      console.log(`  baseline: generating the table in a fresh process peaks at ${mb(results.baseline.peakRssMB)}`);
      for (const name of ['write', 'read', 'split']) {
        const r = results[name];
        console.log(`  ${name.padEnd(5)} median of ${RUNS}: ${r.ms.toFixed(0).padStart(6)} ms   peak RSS ${mb(r.peakRssMB)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
