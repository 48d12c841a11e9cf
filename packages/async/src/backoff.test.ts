import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const at = (random: number, jitter?: number) => (attempt: number) =>
    backoffDelay(attempt, { baseMs: 100, maxMs: 60_000, random: () => random, ...(jitter !== undefined ? { jitter } : {}) });

  it('doubles with each failed attempt, between half and all of the exponential value by default', () => {
    expect([1, 2, 3, 4].map(at(0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map(at(0.999_999))).toEqual([100, 200, 400, 800]);
  });

  it('takes the random share from `jitter`', () => {
    expect([1, 2, 3].map(at(0.3, 0))).toEqual([100, 200, 400]);
    expect([1, 3].map(at(0, 1))).toEqual([0, 0]);
    expect([1, 3].map(at(0.5, 1))).toEqual([50, 200]);
    expect(at(0, 0.25)(3)).toBe(300);
  });

  it('never waits longer than the cap', () => {
    expect(backoffDelay(30, { baseMs: 500, maxMs: 30_000, random: () => 0.999_999 })).toBe(30_000);
    expect(backoffDelay(2000, { baseMs: 500, maxMs: 30_000, jitter: 0 })).toBe(30_000);
  });

  it('treats attempts below 1 as the first', () => {
    expect(at(0, 0)(0)).toBe(100);
  });

  it('spreads callers that fail together', () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(3, { baseMs: 1000, maxMs: 60_000 })));
    expect(delays.size).toBeGreaterThan(1);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(2000);
      expect(delay).toBeLessThanOrEqual(4000);
    }
  });
});
