// Small helpers shared by the benchmark scripts: timing, medians, child processes with peak memory.
import { spawn } from 'node:child_process';

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs a command; resolves with wall time (ms), exit code, output. Rejects on spawn errors only. */
export function timeCommand(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - started, code, stdout, stderr }));
  });
}

/** Runs `node <script> …args` under GNU time when present, to read the peak resident set size (MiB). */
export async function timeNode(script, args, options = {}) {
  const result = await timeCommand('/usr/bin/time', ['-f', 'MAXRSS_KB=%M', process.execPath, script, ...args], options).catch(
    () => undefined,
  );
  if (result) {
    const match = /MAXRSS_KB=(\d+)/.exec(result.stderr);
    return { ...result, peakMiB: match ? Number(match[1]) / 1024 : undefined };
  }
  return { ...(await timeCommand(process.execPath, [script, ...args], options)), peakMiB: undefined };
}

/** The environment of bench cell `i` in the submission benches (what a real cell's task carries, made up). */
export function cellEnv(i) {
  return { MXN_PARAMS: '{"alpha":1}', MXN_TARGET: 'price', MXN_CELL_ID: `c${i}`, MXN_MODEL: 'm', MXN_DATASET: 'd', MXN_TASK: 'regression' };
}

export function fmt(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

export function heading(text) {
  console.log(`\n## ${text}`);
}
