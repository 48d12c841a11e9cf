/** Small RunSpecs for the backend's own tests: tasks run `node -e` scripts. */
import { randomBytes } from 'node:crypto';
import type { RunSpec, TaskSpec } from '@mxn/core';
import { joinKey, readText, type Store } from '@mxn/storage';
import { CONTRACT_IMAGE, type Loopback } from './loopback.js';

/** A script that copies input `x.txt` + 1 to `y.txt` (or exits with `FAIL_CODE` after printing to stderr). */
const SCRIPT = `
const fs = require('fs'); const path = require('path');
if (process.env.FAIL_CODE) { for (let i = 1; i <= 30; i++) console.error('oops ' + i); process.exit(Number(process.env.FAIL_CODE)); }
const ms = Number(process.env.SLEEP_MS || 0);
setTimeout(() => {
  const x = Number(fs.readFileSync(path.join(process.env.MXN_INPUT_DIR, 'x.txt'), 'utf8'));
  fs.writeFileSync(path.join(process.env.MXN_OUTPUT_DIR, 'y.txt'), String(x + 1));
  console.log('done ' + process.env.MXN_CELL_ID);
}, ms);
`;

const AGGREGATE = `
const fs = require('fs'); const path = require('path');
const m = JSON.parse(fs.readFileSync(path.join(process.env.MXN_INPUT_DIR, 'manifest.json'), 'utf8'));
const out = { statuses: {}, ys: {} };
for (const c of m.cells) {
  out.statuses[c.id] = c.status;
  const y = path.join(process.env.MXN_INPUT_DIR, c.dir, 'y.txt');
  if (fs.existsSync(y)) out.ys[c.id] = fs.readFileSync(y, 'utf8');
}
fs.writeFileSync(path.join(process.env.MXN_OUTPUT_DIR, 'summary.json'), JSON.stringify(out));
`;

export function testSpec(
  stagingUri: string,
  cells: Array<{ id: string; env?: Record<string, string>; image?: string }>,
  extra: Partial<RunSpec> = {},
): RunSpec {
  const runId = `t-${randomBytes(4).toString('hex')}`;
  const task = (
    id: string,
    kind: TaskSpec['kind'],
    script: string,
    env: Record<string, string> = {},
    image = CONTRACT_IMAGE,
  ): TaskSpec => ({
    id,
    kind,
    model: kind === 'cell' ? 'm' : 'aggregate',
    dataset: kind === 'cell' ? id : '',
    command: [process.execPath, '-e', script],
    image,
    env: { MXN_CELL_ID: id, MXN_PARAMS: '{}', ...env },
    inputPrefix: `runs/${runId}/${id}/input`,
    outputPrefix: `runs/${runId}/${id}/output`,
  });
  return {
    runId,
    experiment: 'unit',
    stagingUri,
    target: 'y',
    tasks: cells.map((cell) => task(cell.id, 'cell', SCRIPT, cell.env, cell.image)),
    aggregate: task('aggregate', 'aggregate', AGGREGATE),
    limits: { concurrency: 4, retries: 1, timeoutMs: 60_000 },
    ...extra,
  };
}

/** `spec` with every cell's command the shell's y = x + 1 (as the node script does, without starting a node process). */
export function withShellCells(spec: RunSpec): RunSpec {
  const command = ['/bin/sh', '-c', 'printf %s $(($(cat "$MXN_INPUT_DIR/x.txt") + 1)) > "$MXN_OUTPUT_DIR/y.txt"'];
  return { ...spec, tasks: spec.tasks.map((task) => ({ ...task, command })) };
}

/** A testSpec in a fresh staging prefix of the loopback S3, with each cell's input `x.txt` written: 10, 20, 30, … in cell order. */
export async function stagedSpec(loop: Loopback, cells: Parameters<typeof testSpec>[1], extra: Parameters<typeof testSpec>[2] = {}) {
  const { uri, store } = await loop.staging();
  const spec = testSpec(uri, cells, extra);
  for (const [i, task] of spec.tasks.entries()) await store.write(joinKey(task.inputPrefix, 'x.txt'), String(10 * (i + 1)));
  return { spec, store };
}

/** What the aggregate of a testSpec wrote: each cell's status and, where it wrote one, its `y.txt`. */
export const readSummary = async (store: Store, aggregateOutputPrefix: string) =>
  JSON.parse(await readText(store, joinKey(aggregateOutputPrefix, 'summary.json'))) as {
    statuses: Record<string, string>;
    ys: Record<string, string>;
  };
