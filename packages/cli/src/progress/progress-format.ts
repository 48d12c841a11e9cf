/** Text of the progress display: colours (or none), times, the live line and the per-event lines. */
import { stripVTControlCharacters } from 'node:util';
import type { Counts, ProgressEvent } from './progress-state.js';

export interface Paint {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

export const ANSI: Paint = { green: sgr(32, 39), red: sgr(31, 39), yellow: sgr(33, 39), dim: sgr(2, 22) };
export const PLAIN: Paint = { green: (t) => t, red: (t) => t, yellow: (t) => t, dim: (t) => t };

/** Removes ANSI escape sequences (to measure what a terminal shows). */
export function visible(text: string): string {
  return stripVTControlCharacters(text);
}

/** Task run time: `850ms`, `1.2s`, `2m05s`, `1h02m`. */
function formatTaskTime(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}m`;
}

/** Clock time: `0:07`, `12:30`, `1:02:03`. */
function formatClock(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor(seconds / 60) % 60;
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** `[  3/12]`: tasks finished so far, padded to the width of the total. */
export function counter(done: number, total: number): string {
  const width = String(total).length;
  return `[${String(done).padStart(width)}/${total}]`;
}

/** `5/12 done · 1 failed · 2 running · 4 queued · 3 cached · 1 failed (cached) · 0:12 elapsed · ETA 0:30` */
export function liveLine(
  counts: Counts,
  elapsedMs: number,
  etaMs: number | undefined,
  paint: Paint,
  cached = 0,
  cachedFailures = 0,
): string {
  const parts = [`${paint.green(`${counts.done}/${counts.total}`)} done`];
  if (counts.failed > 0) parts.push(paint.red(`${counts.failed} failed`));
  if (counts.cancelled > 0) parts.push(`${counts.cancelled} cancelled`);
  parts.push(`${counts.running} running`);
  if (counts.retrying > 0) parts.push(paint.yellow(`${counts.retrying} retrying`));
  parts.push(`${counts.queued} queued`);
  if (cached > 0) parts.push(paint.dim(`${cached} cached`));
  if (cachedFailures > 0) parts.push(paint.red(`${cachedFailures} failed (cached)`));
  parts.push(paint.dim(`${formatClock(elapsedMs)} elapsed`));
  if (counts.done < counts.total) parts.push(paint.dim(`ETA ${etaMs === undefined ? '…' : formatClock(etaMs)}`));
  return parts.join(' · ');
}

function reason(event: ProgressEvent): string {
  if (event.message) return event.message;
  return event.exitCode === undefined ? '' : `exit code ${event.exitCode}`;
}

/**
 * One line for a state change, without the counter; undefined for `queued` (every task starts
 * there, so it is not news). `✓ id  succeeded in 1.2s`, `✗ id  failed (exit code 1) after 1.2s`.
 */
export function eventLine(event: ProgressEvent, durationMs: number | undefined, paint: Paint): string | undefined {
  const why = reason(event);
  const took = durationMs === undefined ? '' : formatTaskTime(durationMs);
  switch (event.state) {
    case 'queued':
      return undefined;
    case 'running':
      return `${paint.dim('▶')} ${event.taskId}  running${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
    case 'retrying':
      return `${paint.yellow('↻')} ${event.taskId}  ${paint.yellow('retrying')} after attempt ${event.attempt}${why ? ` (${why})` : ''}`;
    case 'succeeded':
      return `${paint.green('✓')} ${event.taskId}  succeeded${took ? ` in ${took}` : ''}`;
    case 'failed':
      return `${paint.red('✗')} ${event.taskId}  ${paint.red('failed')}${why ? ` (${why})` : ''}${took ? ` after ${took}` : ''}`;
    case 'cancelled':
      return `${paint.dim('–')} ${event.taskId}  cancelled${why ? ` (${why})` : ''}`;
  }
}

/**
 * The closing line: `12 tasks: 10 succeeded · 2 failed in 0:45`; cells not run are counted after
 * the tasks (`· 3 cached · 1 failed (cached)`), as `mxn run`'s count line counts them.
 */
export function summaryLine(counts: Counts, elapsedMs: number, paint: Paint, cached = 0, cachedFailures = 0): string {
  const parts = [paint.green(`${counts.succeeded} succeeded`)];
  if (counts.failed > 0) parts.push(paint.red(`${counts.failed} failed`));
  if (counts.cancelled > 0) parts.push(`${counts.cancelled} cancelled`);
  const unfinished = counts.total - counts.done;
  if (unfinished > 0) parts.push(`${unfinished} not finished`);
  if (cached > 0) parts.push(`${cached} cached`);
  if (cachedFailures > 0) parts.push(paint.red(`${cachedFailures} failed (cached)`));
  return `${counts.total} task${counts.total === 1 ? '' : 's'}: ${parts.join(' · ')} in ${formatClock(elapsedMs)}`;
}
