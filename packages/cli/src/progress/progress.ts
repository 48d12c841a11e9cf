/**
 * The run's progress display, fed by the backend's task events. In a terminal: one live line
 * redrawn in place (at most ~10 times a second) with failures printed as permanent lines above it.
 * Elsewhere (CI logs): one plain line per state change. `NO_COLOR` turns every ANSI code off.
 * Every user string (a cell id, an event's message, a note's lines) goes through `terminalText` of
 * @mxn/report here, the one place the progress makes lines: no ANSI escape of its own, no line break,
 * and no workflow command (`::error::`) in a GitHub Actions log.
 */
import { terminalText } from '@mxn/report';
import { ANSI, PLAIN, counter, eventLine, liveLine, summaryLine, visible } from './progress-format.js';
import { ProgressState, isTerminal, type ProgressEvent } from './progress-state.js';

/** Where the display writes: `process.stderr` or anything with `write`. */
interface ProgressStream {
  write(chunk: string): unknown;
  /** Terminal width; the live line is cut to fit so that it never wraps. */
  columns?: number;
}

export interface ProgressOptions {
  /** Number of tasks that will run (the aggregate step is reported separately, not counted). */
  total: number;
  stream: ProgressStream;
  /** Draw a live line in place (true in a terminal); otherwise print one line per state change. */
  isTTY: boolean;
  /** Use colour; only takes effect when `isTTY` and `NO_COLOR` is unset or empty. */
  color: boolean;
  /** Clock in milliseconds. Default: `Date.now`. */
  now?: () => number;
  /** Environment to read `NO_COLOR` from. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** Tasks run at once, for the ETA. Default: the most seen running together. */
  concurrency?: number;
  /** Cells reused from the cache (not run, not in `total`), shown in the counts. Default: 0. */
  cached?: number;
  /** Cached failures (not run, not in `total` or `cached`), shown as `failed (cached)`. Default: 0. */
  cachedFailures?: number;
  /** Shortest time between two redraws of the live line, in ms. Default: 100 (10 per second). */
  minRedrawMs?: number;
  /** Redraw the live line this often even without events, so elapsed time moves, in ms; 0 turns it off. Default: 1000. */
  tickMs?: number;
}

export interface Progress {
  onEvent(event: ProgressEvent): void;
  /**
   * Prints lines (a failed attempt's stderr tail, a model's live output) as permanent text above the live
   * line, each made safe for a terminal or a log; `dim` shows them dimmed where colour is on.
   */
  note(text: string, options?: { dim?: boolean }): void;
  /** Stops redrawing, clears the live line and prints a closing summary line. Safe to call twice. */
  finish(): void;
}

export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const env = options.env ?? process.env;
  const paint = options.color && options.isTTY && !env.NO_COLOR ? ANSI : PLAIN;
  const cached = options.cached ?? 0;
  const cachedFailures = options.cachedFailures ?? 0;
  const minRedrawMs = options.minRedrawMs ?? 100;
  const state = new ProgressState(options.total, options.concurrency);
  const startedAt = now();
  let aggregateStartedAt: number | undefined;
  let finished = false;

  // Live line (terminal only).
  let shownWidth = 0;
  let lastDrawAt = -Infinity;
  let pending: ReturnType<typeof setTimeout> | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;

  const write = (text: string): void => {
    options.stream.write(text);
  };
  const clearLive = (): string => (shownWidth > 0 ? `\r${' '.repeat(shownWidth)}\r` : '');
  const draw = (): void => {
    if (pending) clearTimeout(pending);
    pending = undefined;
    let line = liveLine(state.counts(), now() - startedAt, state.etaMs(), paint, cached, cachedFailures);
    const columns = options.stream.columns;
    if (columns && visible(line).length >= columns) line = `${visible(line).slice(0, Math.max(0, columns - 2))}…`;
    write(`${clearLive()}${line}`);
    shownWidth = visible(line).length;
    lastDrawAt = now();
  };
  const scheduleDraw = (): void => {
    const wait = lastDrawAt + minRedrawMs - now();
    if (wait <= 0) draw();
    else if (!pending) pending = unref(setTimeout(() => draw(), wait));
  };
  /** Prints a permanent line, keeping the live line below it. */
  const printAbove = (line: string): void => {
    write(`${clearLive()}${line}\n`);
    shownWidth = 0;
    draw();
  };

  if (options.isTTY && (options.tickMs ?? 1000) > 0) {
    ticker = unref(setInterval(() => scheduleDraw(), options.tickMs ?? 1000));
  }

  return {
    onEvent(event) {
      if (finished) return;
      const at = now();
      let durationMs: number | undefined;
      if (event.kind === 'aggregate') {
        if (event.state === 'running' && aggregateStartedAt === undefined) aggregateStartedAt = at;
        if (isTerminal(event.state) && aggregateStartedAt !== undefined) durationMs = at - aggregateStartedAt;
      } else {
        durationMs = state.apply(event, at).durationMs;
      }
      const line = eventLine(safeEvent(event), durationMs, paint);
      if (!options.isTTY) {
        if (line) write(`${counter(state.counts().done, state.total)} ${line}\n`);
        return;
      }
      if (line && (event.state === 'failed' || event.kind === 'aggregate')) printAbove(line);
      else scheduleDraw();
    },
    note(text, noteOptions = {}) {
      if (finished || text === '') return;
      const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n').map(terminalText);
      const body = lines.map((line) => (noteOptions.dim ? paint.dim(line) : line)).join('\n');
      if (options.isTTY) printAbove(body);
      else write(`${body}\n`);
    },
    finish() {
      if (finished) return;
      finished = true;
      if (pending) clearTimeout(pending);
      if (ticker) clearInterval(ticker);
      pending = undefined;
      ticker = undefined;
      const summary = summaryLine(state.counts(), now() - startedAt, paint, cached, cachedFailures);
      write(`${options.isTTY ? clearLive() : ''}${summary}\n`);
      shownWidth = 0;
    },
  };
}

/** The event with its user strings (the task id, the message) as `terminalText`. */
function safeEvent(event: ProgressEvent): ProgressEvent {
  return { ...event, taskId: terminalText(event.taskId), ...(event.message !== undefined ? { message: terminalText(event.message) } : {}) };
}

function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
