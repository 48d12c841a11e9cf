import { describe, expect, it } from 'vitest';
import { dueAtRate } from './fault-rate.js';

describe('dueAtRate', () => {
  it('applies to that fraction of calls, spread evenly, the same on every run', () => {
    const pick = () => {
      const entry = { seen: 0 };
      return Array.from({ length: 10 }, (_, call) => (dueAtRate(entry, 0.3) ? call : -1)).filter((call) => call >= 0);
    };
    expect(pick()).toEqual([3, 6, 9]);
    expect(pick()).toEqual(pick());
    expect(dueAtRate({ seen: 0 }, undefined)).toBe(true);
  });
});
