// How many Batch calls the progress polls make against the loopback service: over a whole run of one array job,
// bounded by a small constant per poll (finished children are never listed again), and the watcher's own count of
// them is what the service saw; on a re-attach to a finished array job of 1,500 children, one poll's few calls (the
// ended children listed, not probed 300 at a time); and children failing one by one are never listed again and again.
import { BatchClient, RegisterJobDefinitionCommand, SubmitJobCommand } from '@aws-sdk/client-batch';
import type { TaskEvent } from '@mxn/core';
import { joinKey } from '@mxn/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from './run-on-aws-batch.js';
import { JobWatcher } from './watch-jobs.js';
import { CONTRACT_IMAGE, startLoopback, type Loopback } from '../test-support/loopback.js';
import { testSpec } from '../test-support/specs.js';

let loop: Loopback;
let client: BatchClient;
beforeAll(async () => {
  loop = await startLoopback({ maxRunning: 8 });
  client = new BatchClient({ endpoint: loop.batch.url, region: loop.batch.region, credentials: loop.batch.credentials[0]! });
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await loop?.stop();
});

/** The Batch requests made since `from`: ListJobs statuses and the child ids DescribeJobs asked for. */
function requestsSince(from: number) {
  const requests = loop.batch.requests.slice(from);
  const bodies = (operation: string) => requests.filter((r) => r.operation === operation).map((r) => JSON.parse(r.body) as unknown);
  return {
    listed: (bodies('ListJobs') as Array<{ jobStatus?: string }>).map((body) => body.jobStatus),
    childLookups: (bodies('DescribeJobs') as Array<{ jobs: string[] }>).flatMap((body) => body.jobs).filter((id) => id.includes(':')),
  };
}

const CELLS = 40;

it(`makes a bounded number of Batch calls per progress poll over a ${CELLS}-cell run, listing no finished child`, {
  timeout: 120_000,
}, async () => {
  const { uri, store } = await loop.staging();
  const base = testSpec(
    uri,
    Array.from({ length: CELLS }, (_, i) => ({ id: `c${i}` })),
    { limits: { concurrency: 8, retries: 0, timeoutMs: 60_000 } },
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
  // One DescribeJobs of the array job and the aggregate, one ListJobs of the RUNNING children (≤ 8 run at once),
  // DescribeJobs of the children that left RUNNING and of those that ended between two polls (100 ids per call).
  expect(Math.max(...perPoll)).toBeLessThanOrEqual(4);
  // The watcher's count is what the service saw (a fresh run looks up no earlier jobs).
  const listed = (loop.batch.calls.ListJobs ?? 0) - before.list;
  const described = (loop.batch.calls.DescribeJobs ?? 0) - before.describe;
  expect(perPoll.reduce((a, b) => a + b, 0)).toBe(listed + described);
  // Finished children are never listed (the count grows with them); only the RUNNING ones are.
  const seen = requestsSince(before.requests);
  expect(new Set(seen.listed)).toEqual(new Set(['RUNNING']));
  // Each child was looked up about once, not once per poll.
  expect(seen.childLookups.length).toBeGreaterThanOrEqual(CELLS);
  expect(seen.childLookups.length).toBeLessThan(2 * CELLS);
});

describe('the watcher on array jobs of cheap children (a shell exit, no wrapper)', { timeout: 120_000 }, () => {
  /** Submits an array job of `size` children running `script` and a watcher following it; the cells' bundles are absent. */
  async function arrayJob(size: number, script: string) {
    const { uri, store } = await loop.staging();
    const spec = testSpec(
      uri,
      Array.from({ length: size }, (_, i) => ({ id: `c${i}` })),
    );
    const { jobDefinitionArn } = await client.send(
      new RegisterJobDefinitionCommand({
        jobDefinitionName: `cheap-${spec.runId}`,
        type: 'container',
        containerProperties: { image: CONTRACT_IMAGE, command: ['/bin/sh', '-c', script], vcpus: 1, memory: 128 },
      }),
    );
    const { jobId } = await client.send(
      new SubmitJobCommand({
        jobName: spec.runId,
        jobQueue: loop.batch.queueName!,
        jobDefinition: jobDefinitionArn!,
        arrayProperties: { size },
      }),
    );
    const events: TaskEvent[] = [];
    const group = { group: 'g0', jobName: spec.runId, image: CONTRACT_IMAGE, cells: spec.tasks, jobId: jobId! };
    const watcher = new JobWatcher(client, [group], undefined, { store, timeoutMs: 60_000, stderrLines: 5, emit: (e) => events.push(e) });
    return { jobId: jobId!, watcher, events };
  }

  it('re-attached to a finished array job of 1,500 children, collects every one in one poll of 4 calls', async () => {
    // The last 400 children fail: more of each status ended unseen than one poll probes (300), so both are listed.
    const { jobId, watcher, events } = await arrayJob(1500, '[ "$AWS_BATCH_JOB_ARRAY_INDEX" -lt 1100 ]');
    await loop.batch.waitFor(jobId, 100_000);
    const from = loop.batch.requests.length;
    await watcher.poll();
    expect(watcher.done).toBe(true);
    // One DescribeJobs of the array job, two ListJobs pages of the 1,100 SUCCEEDED children, one of the 400 FAILED ones.
    expect(watcher.lastPollCalls).toBe(4);
    const seen = requestsSince(from);
    expect(seen.listed).toEqual(['SUCCEEDED', 'SUCCEEDED', 'FAILED']);
    expect(seen.childLookups).toEqual([]);
    // Every cell ended once: failed, the succeeded ones without a bundle (nothing uploaded one), the others with Batch's reason.
    const ends = events.filter((e) => e.state === 'failed');
    expect(ends).toHaveLength(1500);
    expect(ends.filter((e) => /without uploading its outputs/.test(e.message ?? ''))).toHaveLength(1100);
  });

  it('looks each child up about once while they fail one by one, listing no FAILED child again and again', async () => {
    const size = 24;
    const { watcher, events } = await arrayJob(size, 'sleep 0.0$((AWS_BATCH_JOB_ARRAY_INDEX % 10)); exit 3');
    const from = loop.batch.requests.length;
    const polls: number[] = [];
    while (!watcher.done) {
      await watcher.poll();
      polls.push(watcher.lastPollCalls);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(polls.length).toBeGreaterThan(3);
    const seen = requestsSince(from);
    expect(new Set(seen.listed)).toEqual(new Set(['RUNNING']));
    expect(seen.childLookups.length).toBeGreaterThanOrEqual(size);
    expect(seen.childLookups.length).toBeLessThan(2 * size);
    expect(Math.max(...polls)).toBeLessThanOrEqual(3);
    const failed = events.filter((e) => e.state === 'failed');
    expect(failed).toHaveLength(size);
    expect(failed.every((e) => /AWS Batch: /.test(e.message ?? ''))).toBe(true);
  });
});
