import { stripVTControlCharacters } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createProgress, type ProgressOptions } from './progress.js';
import type { ProgressEvent } from './progress-state.js';

/** A fake stream that keeps every chunk, and what a terminal would show after them. */
function fakeStream(columns?: number) {
  const chunks: string[] = [];
  return {
    columns,
    chunks,
    write(chunk: string) {
      chunks.push(chunk);
      return true;
    },
    text: () => chunks.join(''),
    /** Plays the chunks like a terminal: `\r` returns to column 0 and overwrites, `\n` starts a line. */
    screen(): string[] {
      const lines: string[] = [''];
      let column = 0;
      for (const char of stripVTControlCharacters(chunks.join(''))) {
        if (char === '\r') column = 0;
        else if (char === '\n') {
          lines.push('');
          column = 0;
        } else {
          const line = lines[lines.length - 1]!;
          lines[lines.length - 1] = line.slice(0, column) + char + line.slice(column + 1);
          column += 1;
        }
      }
      return lines.map((line) => line.trimEnd()).filter((line, index, all) => line !== '' || index < all.length - 1);
    },
  };
}

let clock = 0;
const now = () => clock;
const at = () => new Date(clock);
const event = (taskId: string, state: ProgressEvent['state'], extra: Partial<ProgressEvent> = {}): ProgressEvent => ({
  taskId,
  kind: 'cell',
  state,
  attempt: 1,
  at: at(),
  ...extra,
});

function setup(overrides: Partial<ProgressOptions> = {}) {
  const stream = fakeStream(overrides.stream?.columns);
  const progress = createProgress({ total: 12, isTTY: false, color: true, now, env: {}, ...overrides, stream });
  return { stream, progress };
}

beforeEach(() => {
  clock = 1_000_000;
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('progress, not a terminal', () => {
  it('prints one plain line per state change, with a padded counter of finished tasks', () => {
    const { stream, progress } = setup();
    progress.onEvent(event('ridge[alpha=0.1]@seoul', 'queued'));
    progress.onEvent(event('ridge[alpha=0.1]@seoul', 'running'));
    clock += 1200;
    progress.onEvent(event('ridge[alpha=0.1]@seoul', 'succeeded'));
    progress.onEvent(event('knn@jeju', 'running'));
    clock += 300;
    progress.onEvent(event('knn@jeju', 'retrying', { exitCode: 1, message: 'exit code 1' }));
    progress.onEvent(event('knn@jeju', 'running', { attempt: 2 }));
    clock += 500;
    progress.onEvent(event('knn@jeju', 'failed', { attempt: 2, exitCode: 1 }));
    progress.onEvent(event('lasso@busan', 'cancelled', { message: 'run cancelled' }));
    progress.finish();
    expect(stream.text().split('\n')).toEqual([
      '[ 0/12] ▶ ridge[alpha=0.1]@seoul  running',
      '[ 1/12] ✓ ridge[alpha=0.1]@seoul  succeeded in 1.2s',
      '[ 1/12] ▶ knn@jeju  running',
      '[ 1/12] ↻ knn@jeju  retrying after attempt 1 (exit code 1)',
      '[ 1/12] ▶ knn@jeju  running (attempt 2)',
      '[ 2/12] ✗ knn@jeju  failed (exit code 1) after 800ms',
      '[ 3/12] – lasso@busan  cancelled (run cancelled)',
      '12 tasks: 1 succeeded · 1 failed · 1 cancelled · 9 not finished in 0:02',
      '',
    ]);
  });

  it('never colours, never redraws, and starts no timers', () => {
    const { stream, progress } = setup({ color: true });
    expect(vi.getTimerCount()).toBe(0);
    progress.onEvent(event('a', 'running'));
    progress.onEvent(event('a', 'failed', { exitCode: 2 }));
    progress.finish();
    expect(stream.text()).not.toContain('\u001b');
    expect(stream.text()).not.toContain('\r');
  });

  it('reports the aggregate step without counting it as a task', () => {
    const { stream, progress } = setup({ total: 1 });
    progress.onEvent(event('a', 'running'));
    progress.onEvent(event('a', 'succeeded'));
    progress.onEvent(event('aggregate', 'running', { kind: 'aggregate' }));
    clock += 2500;
    progress.onEvent(event('aggregate', 'succeeded', { kind: 'aggregate' }));
    progress.finish();
    const lines = stream.text().trimEnd().split('\n');
    expect(lines).toContain('[1/1] ✓ aggregate  succeeded in 2.5s');
    expect(lines.at(-1)).toMatch(/^1 task: 1 succeeded in /);
  });
});

describe('progress, in a terminal', () => {
  it('redraws one live line in place and leaves only failures and the summary behind', () => {
    const { stream, progress } = setup({ total: 3, isTTY: true, color: false });
    for (const id of ['a', 'b', 'c']) progress.onEvent(event(id, 'queued'));
    progress.onEvent(event('a', 'running'));
    clock += 200;
    progress.onEvent(event('b', 'running'));
    clock += 200;
    expect(stream.screen()).toEqual(['0/3 done · 2 running · 1 queued · 0:00 elapsed · ETA …']);
    clock += 1000;
    progress.onEvent(event('a', 'failed', { exitCode: 3 }));
    const screen = stream.screen();
    expect(screen[0]).toBe('✗ a  failed (exit code 3) after 1.4s');
    expect(screen[1]).toMatch(/^1\/3 done · 1 failed · 1 running · 1 queued · 0:01 elapsed · ETA /);
    clock += 200;
    progress.onEvent(event('b', 'succeeded'));
    progress.onEvent(event('c', 'running'));
    progress.onEvent(event('c', 'succeeded'));
    progress.finish();
    expect(stream.screen()).toEqual(['✗ a  failed (exit code 3) after 1.4s', '3 tasks: 2 succeeded · 1 failed in 0:02']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('redraws at most ten times a second, and catches up after a burst', () => {
    const { stream, progress } = setup({ total: 200, isTTY: true, color: false, tickMs: 0 });
    for (let i = 0; i < 100; i += 1) progress.onEvent(event(`t${i}`, 'running'));
    const draws = () => stream.chunks.filter((chunk) => chunk.includes('done')).length;
    expect(draws()).toBe(1);
    clock += 100;
    vi.advanceTimersByTime(100);
    expect(draws()).toBe(2);
    expect(stream.screen().at(-1)).toMatch(/^0\/200 done · 100 running · 100 queued/);
    progress.finish();
  });

  it('keeps elapsed time moving without events', () => {
    const { stream, progress } = setup({ total: 2, isTTY: true, color: false });
    progress.onEvent(event('a', 'running'));
    clock += 5000;
    vi.advanceTimersByTime(5000);
    expect(stream.screen().at(-1)).toContain('0:05 elapsed');
    progress.finish();
  });

  it('estimates time left from finished tasks and the concurrency', () => {
    const { stream, progress } = setup({ total: 6, isTTY: true, color: false, concurrency: 2, tickMs: 0 });
    progress.onEvent(event('a', 'running'));
    progress.onEvent(event('b', 'running'));
    clock += 10_000;
    progress.onEvent(event('a', 'succeeded'));
    progress.onEvent(event('b', 'succeeded'));
    clock += 100;
    vi.advanceTimersByTime(100);
    // 4 left × 10 s average ÷ 2 at once = 20 s
    expect(stream.screen().at(-1)).toMatch(/ETA 0:20$/);
    progress.finish();
  });

  it('colours in a terminal, and NO_COLOR removes every ANSI code', () => {
    const run = (env: Record<string, string>) => {
      const { stream, progress } = setup({ total: 2, isTTY: true, color: true, env });
      progress.onEvent(event('a', 'running'));
      progress.onEvent(event('a', 'failed', { exitCode: 1 }));
      progress.finish();
      return stream.text();
    };
    expect(run({})).toContain('\u001b[31m');
    const plain = run({ NO_COLOR: '1' });
    expect(plain).not.toContain('\u001b');
    expect(plain).toContain('✗ a  failed');
  });

  it('cuts the live line to the terminal width so it never wraps', () => {
    const stream = fakeStream(30);
    const progress = createProgress({ total: 5, stream, isTTY: true, color: true, now, env: {} });
    progress.onEvent(event('a', 'running'));
    expect(stream.screen().every((line) => line.length < 30)).toBe(true);
    progress.finish();
  });

  it('ignores events after finish and finishes once', () => {
    const { stream, progress } = setup({ total: 1, isTTY: true, color: false });
    progress.finish();
    progress.onEvent(event('a', 'running'));
    progress.finish();
    expect(stream.screen()).toEqual(['1 task: 0 succeeded · 1 not finished in 0:00']);
  });
});

describe('progress: failures to read and cached failures', () => {
  it('prints a note (a stderr tail) above the live line, and counts cached failures apart from cached cells', () => {
    const { stream, progress } = setup({ total: 1, isTTY: true, cached: 3, cachedFailures: 1, tickMs: 0 });
    progress.onEvent(event('bad@seoul', 'running'));
    progress.onEvent(event('bad@seoul', 'failed', { exitCode: 3 }));
    progress.note('  stderr of bad@seoul, attempt 1 (last 1 lines):\n  │ boom');
    progress.finish();
    const screen = stream.screen();
    expect(screen).toContain('✗ bad@seoul  failed (exit code 3) after 0ms');
    expect(screen).toContain('  │ boom');
    expect(screen.at(-1)).toBe('1 task: 0 succeeded · 1 failed · 3 cached · 1 failed (cached) in 0:00');
  });
});

describe('progress: user strings', () => {
  it('a cell id, a message or a note line with `::error::` or ANSI escapes cannot make a workflow command or move the cursor', () => {
    const { stream, progress } = setup({ total: 2 });
    progress.onEvent(event('a\n::error::forged@d', 'running'));
    progress.onEvent(event('::error file=x::forged@d', 'failed', { exitCode: 1, message: 'boom\n::add-mask::x\u001b[2J##[error]y' }));
    progress.note('  stderr:\n::error::from the model\n\u001b[31m##[warning]red');
    progress.note('::notice::dim', { dim: true });
    progress.finish();
    const lines = stream.text().split('\n');
    expect(lines.filter((line) => /^\s*::/.test(line) || line.includes('##['))).toEqual([]);
    expect(stream.text()).not.toContain('\u001b');
    expect(lines).toContain('[0/2] ▶ a ::error::forged@d  running');
    expect(lines).toContain('\\::error::from the model');
    expect(lines).toContain('##\\[warning]red');
  });
});
