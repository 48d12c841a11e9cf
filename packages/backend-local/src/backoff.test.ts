import { describe, expect, it } from 'vitest';
import { backoffDelay, sleep } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles with each failed attempt, between half and all of the exponential value', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, 100, 60_000, () => 0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, 100, 60_000, () => 0.999_999))).toEqual([100, 200, 400, 800]);
  });

  it('never waits longer than the cap', () => {
    expect(backoffDelay(30, 500, 30_000, () => 0.999_999)).toBe(30_000);
  });

  it('spreads tasks that fail together', () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(3, 1000, 60_000)));
    expect(delays.size).toBeGreaterThan(1);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(2000);
  });
});

describe('sleep', () => {
  it('ends early when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await sleep(10_000, controller.signal);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
