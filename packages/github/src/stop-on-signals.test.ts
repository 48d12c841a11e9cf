// stopOnSignals: a stop signal cancels (aborts) early in the job, detaches near GitHub's 6-hour limit.
import { afterEach, describe, expect, it } from 'vitest';
import { jobStartedAt, stopOnSignals, type StopHandle } from './stop-on-signals.js';

describe('stopOnSignals', () => {
  let handle: StopHandle | undefined;
  afterEach(() => handle?.dispose());

  it('aborts on the first SIGINT and takes the runner’s SIGTERM after it as the same stop', () => {
    const lines: string[] = [];
    handle = stopOnSignals({
      startedAt: 1_000,
      now: () => 1_000 + 60_000,
      detachAfterMs: 3_600_000,
      log: (line) => lines.push(line),
      onDetach: () => lines.push('detached'),
    });
    expect(handle.signal.aborted).toBe(false);
    process.emit('SIGINT', 'SIGINT');
    expect(handle.signal.aborted).toBe(true);
    process.emit('SIGTERM', 'SIGTERM');
    expect(handle.outcome()).toBe('cancelled');
    expect(lines).toEqual(['SIGINT: cancelling the run (the backend stops its cells)']);
  });

  it('detaches instead of aborting past the detach time', () => {
    const detached: string[] = [];
    handle = stopOnSignals({ startedAt: 0, now: () => 351 * 60_000, onDetach: (name) => detached.push(name) });
    process.emit('SIGTERM', 'SIGTERM');
    expect(handle.signal.aborted).toBe(false);
    expect(handle.outcome()).toBe('detached');
    expect(detached).toEqual(['SIGTERM']);
  });

  it('removes its handlers on dispose, and reads the job start from MXN_JOB_STARTED', () => {
    const before = process.listenerCount('SIGTERM');
    handle = stopOnSignals();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    handle.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(jobStartedAt({ MXN_JOB_STARTED: '1700000000' })).toBe(1_700_000_000_000);
    expect(jobStartedAt({}, 10_000_000)).toBeLessThan(10_000_000);
  });
});
