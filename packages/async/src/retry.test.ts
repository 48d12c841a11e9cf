import { describe, expect, it } from 'vitest';
import { retry } from './retry.js';

/** fn failing with the given errors in turn, then resolving with 'ok'; counts its calls. */
function flaky(...failures: Error[]) {
  const attempts: number[] = [];
  const fn = async (attempt: number) => {
    attempts.push(attempt);
    const failure = failures[attempts.length - 1];
    if (failure) throw failure;
    return 'ok';
  };
  return { fn, attempts };
}

describe('retry', () => {
  it('retries until fn succeeds, waiting an exponential, jittered backoff between tries', async () => {
    const { fn, attempts } = flaky(new Error('a'), new Error('b'), new Error('c'));
    const waits: Array<[number, string, number]> = [];
    const result = await retry(fn, {
      attempts: 4,
      baseMs: 2,
      maxMs: 6,
      random: () => 0,
      onRetry: ({ attempt, error, delayMs }) => waits.push([attempt, (error as Error).message, delayMs]),
    });
    expect(result).toBe('ok');
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(waits).toEqual([
      [1, 'a', 1],
      [2, 'b', 2],
      [3, 'c', 3],
    ]);
  });

  it('throws the last failure once the attempts are used up', async () => {
    const { fn, attempts } = flaky(new Error('a'), new Error('b'), new Error('c'));
    await expect(retry(fn, { attempts: 2, baseMs: 1 })).rejects.toThrow('b');
    expect(attempts).toEqual([1, 2]);
  });

  it('throws at once a failure isRetryable refuses', async () => {
    const { fn, attempts } = flaky(new Error('transient'), new Error('fatal'));
    await expect(retry(fn, { attempts: 5, baseMs: 1, isRetryable: (error) => (error as Error).message === 'transient' })).rejects.toThrow(
      'fatal',
    );
    expect(attempts).toEqual([1, 2]);
  });

  it('does not wait past maxElapsedMs', async () => {
    let clock = 0;
    const { fn, attempts } = flaky(new Error('a'), new Error('b'), new Error('c'));
    const waits: number[] = [];
    const run = retry(
      async (attempt) => {
        clock += 40; // each try takes 40 ms on the injected clock
        return fn(attempt);
      },
      { attempts: 10, baseMs: 1, maxMs: 1, jitter: 0, maxElapsedMs: 100, now: () => clock, onRetry: (info) => waits.push(info.delayMs) },
    );
    await expect(run).rejects.toThrow('c'); // 3 × 40 + 1 > 100 after the third try
    expect(attempts).toEqual([1, 2, 3]);
    expect(waits).toEqual([1, 1]);
  });

  it('stops when the signal aborts: a wait in progress ends and the last failure is thrown', async () => {
    const controller = new AbortController();
    const { fn, attempts } = flaky(new Error('a'), new Error('b'));
    const started = Date.now();
    const run = retry(fn, {
      attempts: 5,
      baseMs: 60_000,
      maxMs: 60_000,
      signal: controller.signal,
      onRetry: () => setImmediate(() => controller.abort()),
    });
    await expect(run).rejects.toThrow('a');
    expect(attempts).toEqual([1]);
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(retry(flaky(new Error('x')).fn, { signal: controller.signal, baseMs: 1 })).rejects.toThrow('x');
  });
});
