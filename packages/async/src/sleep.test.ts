import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sleep } from './sleep.js';

describe('sleep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const settledAfter = async (promise: Promise<void>, ms: number) => {
    let done = false;
    void promise.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(ms);
    return done;
  };

  it('waits the given time, not less', async () => {
    const waiting = sleep(1000);
    expect(await settledAfter(waiting, 999)).toBe(false);
    expect(await settledAfter(waiting, 1)).toBe(true);
  });

  it('ends early, resolving, when the signal aborts, and lets go of the signal', async () => {
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const waiting = sleep(60_000, controller.signal);
    expect(await settledAfter(waiting, 10)).toBe(false);
    controller.abort();
    expect(await settledAfter(waiting, 0)).toBe(true);
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('removes its abort listener when the time is up', async () => {
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    expect(await settledAfter(sleep(50, controller.signal), 50)).toBe(true);
    expect(remove).toHaveBeenCalledTimes(1);
  });

  it('resolves at once for no time or an aborted signal', async () => {
    expect(await settledAfter(sleep(0), 0)).toBe(true);
    expect(await settledAfter(sleep(-5), 0)).toBe(true);
    expect(await settledAfter(sleep(60_000, AbortSignal.abort()), 0)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
