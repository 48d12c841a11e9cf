import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, parseRetryAfter, retryDelayMs, retryPolicyFactory } from './retry-policy.js';

const response = (status: number, retryAfter?: string) => ({
  status,
  headers: { get: (name: string) => (name === 'retry-after' ? retryAfter : undefined) },
});

function pipeline(answers: Array<ReturnType<typeof response> | Error>, options = {}) {
  let calls = 0;
  const waits: number[] = [];
  const policy = retryPolicyFactory({ baseDelayMs: 1, maxDelayMs: 50, ...options }, (info) => waits.push(info.delayMs)).create({
    async sendRequest() {
      const answer = answers[Math.min(calls++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  });
  return { send: () => policy.sendRequest({}), calls: () => calls, waits };
}

describe('retry policy', () => {
  it('retries 429, 500 and 503 and network errors until a success', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const p = pipeline([response(429, '0'), response(500), response(503), reset, response(200)]);
    expect((await p.send()).status).toBe(200);
    expect(p.calls()).toBe(5);
  });

  it('retries errors the SDK throws for error statuses, honouring their Retry-After', async () => {
    const throttled = Object.assign(new Error('throttled'), { statusCode: 429, response: response(429, '0.03') });
    const p = pipeline([throttled, response(201)]);
    const started = Date.now();
    expect((await p.send()).status).toBe(201);
    expect(p.waits).toEqual([30]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('does not retry client errors, and gives up after maxAttempts', async () => {
    const notFound = pipeline([response(404), response(200)]);
    expect((await notFound.send()).status).toBe(404);
    expect(notFound.calls()).toBe(1);
    const busy = pipeline([response(503)], { maxAttempts: 3 });
    expect((await busy.send()).status).toBe(503);
    expect(busy.calls()).toBe(3);
  });

  it('is bounded in time: no wait past maxElapsedMs', async () => {
    const p = pipeline([response(429, '10')], { maxDelayMs: 60_000, maxElapsedMs: 1000 });
    const started = Date.now();
    expect((await p.send()).status).toBe(429);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('stops at an abort during a wait with the last failure, not an abort error', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    let calls = 0;
    const policy = retryPolicyFactory({ baseDelayMs: 10_000, maxDelayMs: 10_000 }).create({
      async sendRequest() {
        calls++;
        throw refused;
      },
    });
    const started = Date.now();
    await expect(policy.sendRequest({ abortSignal: AbortSignal.timeout(50) })).rejects.toBe(refused);
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('backs off exponentially with jitter, capped', () => {
    const settings = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(retryDelayMs(1, undefined, settings, () => 1)).toBe(100);
    expect(retryDelayMs(3, undefined, settings, () => 1)).toBe(400);
    expect(retryDelayMs(3, undefined, settings, () => 0)).toBe(200);
    expect(retryDelayMs(10, undefined, settings, () => 1)).toBe(1000);
    expect(retryDelayMs(1, '5', settings)).toBe(1000);
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(50_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
