// How many Batch calls each progress poll makes over a whole run of one 100-child array job against the
// loopback service: bounded by a small constant (finished children are never listed again), and the
// watcher's own count of them is what the service saw.
import { joinKey } from '@mxn/storage';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunReport } from './run-on-aws-batch.js';
import { startLoopback, type Loopback } from '../test-support/loopback.js';
import { testSpec } from '../test-support/specs.js';

let loop: Loopback;
beforeAll(async () => {
  loop = await startLoopback({ maxRunning: 16 });
}, 60_000);
afterAll(async () => {
  await loop?.stop();
});

const CELLS = 100;

it('makes a bounded number of Batch calls per progress poll over a 100-cell run, listing no finished child', {
  timeout: 240_000,
}, async () => {
  const { uri, store } = await loop.staging();
  const base = testSpec(
    uri,
    Array.from({ length: CELLS }, (_, i) => ({ id: `c${i}` })),
    { limits: { concurrency: 16, retries: 0, timeoutMs: 60_000 } },
  );
  // A shell one-liner per cell (cheaper than a node process), ending at different times.
  const spec = {
    ...base,
    tasks: base.tasks.map((task, i) => ({
      ...task,
      command: ['/bin/sh', '-c', `sleep 0.0${i % 10}; cat "$MXN_INPUT_DIR/x.txt" > "$MXN_OUTPUT_DIR/y.txt"`],
    })),
  };
  for (const [i, task] of spec.tasks.entries()) await store.write(joinKey(task.inputPrefix, 'x.txt'), String(i));
  const before = {
    list: loop.batch.calls.ListJobs ?? 0,
    describe: loop.batch.calls.DescribeJobs ?? 0,
    requests: loop.batch.requests.length,
  };
  let report: RunReport | undefined;
  const outcome = await loop.backend({ onReport: (r) => (report = r), pollIntervalMs: 50 }).run(spec);
  expect(outcome.tasks.filter((t) => t.status === 'succeeded')).toHaveLength(CELLS);
  expect(outcome.aggregate?.status).toBe('succeeded');

  const perPoll = report!.pollCalls;
  expect(perPoll.length).toBeGreaterThan(5);
  // One DescribeJobs of the array job and the aggregate, one ListJobs of the RUNNING children (≤ 16 run at once),
  // DescribeJobs of the children that left RUNNING and of those that ended between two polls (100 ids per call).
  expect(Math.max(...perPoll)).toBeLessThanOrEqual(4);
  // The watcher's count is what the service saw (a fresh run looks up no earlier jobs).
  const listed = (loop.batch.calls.ListJobs ?? 0) - before.list;
  const described = (loop.batch.calls.DescribeJobs ?? 0) - before.describe;
  expect(perPoll.reduce((a, b) => a + b, 0)).toBe(listed + described);
  // Finished children are never listed (the count grows with them); only the RUNNING ones are.
  const statuses = loop.batch.requests
    .slice(before.requests)
    .filter((request) => request.operation === 'ListJobs')
    .map((request) => (JSON.parse(request.body) as { jobStatus?: string }).jobStatus);
  expect(new Set(statuses)).toEqual(new Set(['RUNNING']));
  // Each child was looked up about once, not once per poll.
  const childLookups = loop.batch.requests
    .slice(before.requests)
    .filter((request) => request.operation === 'DescribeJobs')
    .flatMap((request) => (JSON.parse(request.body) as { jobs: string[] }).jobs)
    .filter((id) => id.includes(':')).length;
  expect(childLookups).toBeGreaterThanOrEqual(CELLS);
  expect(childLookups).toBeLessThan(2 * CELLS);
});
