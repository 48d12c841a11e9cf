// (aws-batch) A 10,000-cell run submitted to the loopback AWS Batch service with 50 ms injected latency per
// call: the Batch calls made to submit it (aim: a handful, not one per cell) and the wall time until the last
// submission, then the Batch calls each progress poll makes at 10,000 cells (aim: a constant). The run is
// cancelled (TerminateJob on the array job and the aggregate) after a few polls: the cells are not the point.
// Then a smaller array runs to completion (every child started, ended and collected): the max and median Batch
// calls per progress poll over the whole run (aim: a small constant, whatever the number of finished cells).
import { awsBatchBackend } from '@mxn/backend-aws-batch';
import { startS3 } from '@mxn/emulators';
import { s3Store } from '@mxn/storage';
import { startAwsBatchService } from '@mxn/testkit';
import { cellEnv, fmt, heading, median } from './util.js';

/** Both phases: the 10,000-cell submission, then a smaller array run to completion. */
export async function benchAwsBatchSubmit() {
  const submission = await benchSubmission();
  const whole = await benchAwsBatchPolls();
  return { ...submission, whole };
}

async function benchSubmission({ cells = 10_000, datasets = 100, latencyMs = 50, polls = 6 } = {}) {
  heading(`(aws-batch) submitting ${cells.toLocaleString('en')} cells with ${latencyMs} ms latency per call`);
  const s3 = await startS3();
  const service = await startAwsBatchService({ runtime: 'process', region: s3.region, queue: { name: 'bench', maxvCpus: 2 } });
  try {
    const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
    const uri = 's3://mxn/bench';
    const openStore = async (where) => s3Store({ uri: where, endpoint: s3.endpoint, region: s3.region, credentials });
    const store = await openStore(uri);
    for (let d = 0; d < datasets; d++) {
      await store.write(`inputs/d${d}/train.parquet`, 'train');
      await store.write(`inputs/d${d}/test.parquet`, 'test');
    }
    const task = (i, kind = 'cell') => ({
      id: kind === 'cell' ? `model-${Math.floor(i / datasets)}@dataset-${i % datasets}` : 'aggregate',
      kind,
      model: `model-${Math.floor(i / datasets)}`,
      dataset: kind === 'cell' ? `dataset-${i % datasets}` : '',
      command: ['node', 'train.js'],
      image: 'mxn.local/bench:0123456789ab',
      env: cellEnv(i),
      inputPrefix: kind === 'cell' ? `inputs/d${i % datasets}` : 'runs/bench/aggregate/input',
      outputPrefix: kind === 'cell' ? `cells/${i.toString(16).padStart(16, '0')}/output` : 'runs/bench/aggregate/output',
    });
    const spec = {
      runId: `bench-${Date.now().toString(36)}`,
      experiment: 'bench',
      stagingUri: uri,
      target: 'price',
      tasks: Array.from({ length: cells }, (_, i) => task(i)),
      aggregate: task(0, 'aggregate'),
      limits: { concurrency: 2, retries: 1, timeoutMs: 1_800_000 },
    };
    const latency = service.inject({ latencyMs });
    let report;
    let polled = 0;
    const controller = new AbortController();
    const backend = awsBatchBackend({
      endpoint: service.url,
      region: service.region,
      credentials,
      queue: 'bench',
      openStore,
      pollIntervalMs: 200,
      onReport: (done) => (report = done),
    });
    const counting = setInterval(() => {
      // Stop after a few polls: each poll is at least one DescribeJobs.
      if ((service.calls.DescribeJobs ?? 0) >= polls) controller.abort();
    }, 20);
    const started = performance.now();
    await backend.run(spec, { signal: controller.signal });
    clearInterval(counting);
    latency.remove();
    polled = report.pollCalls.length;
    const submitCalls = Object.entries(service.calls)
      .filter(([op]) => !['DescribeJobs', 'ListJobs', 'TerminateJob'].includes(op))
      .map(([op, n]) => `${op} ${n}`)
      .join(', ');
    const total = Object.values(service.calls).reduce((a, b) => a + b, 0);
    console.log(
      `submission: ${report.submitted} jobs (one array job of ${cells.toLocaleString('en')} + the aggregate); calls: ${submitCalls}`,
    );
    console.log(
      `wall until the last submission: ${fmt(report.submitMs)} (records for ${cells.toLocaleString('en')} cells signed and written to S3)`,
    );
    console.log(
      `calls per progress poll at ${cells.toLocaleString('en')} cells: ${report.pollCalls.join(', ')} over ${polled} polls ` +
        '(one DescribeJobs, plus ListJobs of the RUNNING children and DescribeJobs of those that ended; aim: a constant)',
    );
    console.log(`all Batch calls of the run (cancel included): ${total}; whole run until cancelled: ${fmt(performance.now() - started)}`);
    return { submitted: report.submitted, submitMs: report.submitMs, pollCalls: report.pollCalls, totalCalls: total };
  } finally {
    await service.stop();
    await s3.stop();
  }
}

/** A whole run of a `cells`-child array job (a shell one-liner per cell, `concurrency` at once): Batch calls per progress poll. */
async function benchAwsBatchPolls({ cells = 200, concurrency = 16, latencyMs = 50, pollIntervalMs = 250 } = {}) {
  heading(`(aws-batch) a ${cells}-cell array run to completion, ${concurrency} at once, ${latencyMs} ms latency per call`);
  const s3 = await startS3();
  const service = await startAwsBatchService({
    runtime: 'process',
    region: s3.region,
    queue: { name: 'bench-polls', maxvCpus: concurrency },
    maxRunning: concurrency,
    tickMs: 20,
  });
  try {
    const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
    const uri = 's3://mxn/bench-polls';
    const openStore = async (where) => s3Store({ uri: where, endpoint: s3.endpoint, region: s3.region, credentials });
    const store = await openStore(uri);
    await store.write('inputs/d/x.txt', '1');
    const runId = `polls-${Date.now().toString(36)}`;
    const task = (i, kind = 'cell') => ({
      id: kind === 'cell' ? `m@d${i}` : 'aggregate',
      kind,
      model: 'm',
      dataset: kind === 'cell' ? `d${i}` : '',
      command: [
        '/bin/sh',
        '-c',
        kind === 'cell' ? 'cat "$MXN_INPUT_DIR/x.txt" > "$MXN_OUTPUT_DIR/y.txt"' : 'ls "$MXN_INPUT_DIR" > "$MXN_OUTPUT_DIR/in.txt"',
      ],
      image: 'mxn.local/bench:0123456789ab',
      env: { MXN_CELL_ID: `c${i}`, MXN_PARAMS: '{}' },
      inputPrefix: 'inputs/d',
      outputPrefix: kind === 'cell' ? `runs/${runId}/c${i}/output` : `runs/${runId}/aggregate/output`,
    });
    const spec = {
      runId,
      experiment: 'bench',
      stagingUri: uri,
      target: 'y',
      tasks: Array.from({ length: cells }, (_, i) => task(i)),
      aggregate: task(0, 'aggregate'),
      limits: { concurrency, retries: 0, timeoutMs: 600_000 },
    };
    const latency = service.inject({ latencyMs });
    let report;
    const started = performance.now();
    const outcome = await awsBatchBackend({
      endpoint: service.url,
      region: service.region,
      credentials,
      queue: 'bench-polls',
      openStore,
      pollIntervalMs,
      onReport: (done) => (report = done),
    }).run(spec);
    latency.remove();
    const succeeded = outcome.tasks.filter((t) => t.status === 'succeeded').length;
    const polls = report.pollCalls;
    const max = Math.max(...polls);
    const med = median(polls);
    console.log(
      `${succeeded}/${cells} cells succeeded, aggregate ${outcome.aggregate?.status}, in ${fmt(performance.now() - started)}; ` +
        `${polls.length} polls every ${pollIntervalMs} ms`,
    );
    console.log(
      `calls per progress poll over the whole run: max ${max}, median ${med} (ListJobs ${service.calls.ListJobs ?? 0}, ` +
        `DescribeJobs ${service.calls.DescribeJobs ?? 0} in all; finished children are never listed again)`,
    );
    return { cells, polls: polls.length, maxCallsPerPoll: max, medianCallsPerPoll: med };
  } finally {
    await service.stop();
    await s3.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchAwsBatchSubmit();
