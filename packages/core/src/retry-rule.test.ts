import { describe, expect, it } from 'vitest';
import { exitCodeRetries, shouldRetry } from './retry-rule.js';

describe('the retry rule', () => {
  it('spends retries on timeouts and platform failures, on model failures only when asked', () => {
    const limits = { retries: 2 };
    expect(shouldRetry(limits, 'infrastructure', 1)).toBe(true);
    expect(shouldRetry(limits, 'timeout', 2)).toBe(true);
    expect(shouldRetry(limits, 'timeout', 3)).toBe(false);
    expect(shouldRetry(limits, 'model', 1)).toBe(false);
    expect(shouldRetry({ ...limits, retryModelFailures: true }, 'model', 2)).toBe(true);
    expect(exitCodeRetries(limits)).toBe(0);
    expect(exitCodeRetries({ ...limits, retryModelFailures: true })).toBe(2);
  });
});
