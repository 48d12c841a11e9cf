// (azure-batch) Submitting 10,000 cells to the loopback Batch service with 50 ms injected latency per
// call: add-collection calls and wall time against the floor ceil(N/100) / concurrency × RTT; then the
// calls one progress poll makes at 10,000 cells (first poll lists everything, later ones only changes).
import { createBatchClient, cellTaskBody, submitTasks, TaskWatcher } from '@mxn/backend-azure-batch';
import { fixedClock, startBatchService } from '@mxn/testkit';
import { cellEnv, fmt, heading } from './util.js';

export async function benchBatchSubmit({ cells = 10_000, latencyMs = 50, concurrency = 8 } = {}) {
  heading(`(azure-batch) submitting ${cells.toLocaleString('en')} cells with ${latencyMs} ms latency per call`);
  const service = await startBatchService({ enableAutoScaleMinIntervalMs: 0, clock: fixedClock() });
  try {
    const client = await createBatchClient({ accountUrl: service.url, accountName: service.accountName, accountKey: service.accountKey });
    const vm = {
      imageReference: { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc', sku: '2404', version: 'latest' },
      nodeAgentSKUId: 'batch.node.ubuntu 24.04',
    };
    await client.pool.add({ id: 'bench', vmSize: 'standard_d2s_v3', virtualMachineConfiguration: vm, targetDedicatedNodes: 0 });
    await client.job.add({ id: 'bench-job', poolInfo: { poolId: 'bench' }, usesTaskDependencies: true });
    const sas = {
      readUrl: `${service.url}/c?sv=x&sp=rl&sig=x`,
      writeUrl: `${service.url}/c?sv=x&sp=cw&sig=x`,
      blobName: (key) => `staging/${key}`,
    };
    const settings = {
      sas,
      image: 'mxn.local/model:0123456789ab',
      workingDirectory: 'containerImageDefault',
      retries: 1,
      timeoutMs: 1_800_000,
    };
    const specs = Array.from({ length: cells }, (_, i) => ({
      id: `model-${i % 100}__dataset-${Math.floor(i / 100)}`,
      kind: 'cell',
      model: `model-${i % 100}`,
      dataset: `dataset-${Math.floor(i / 100)}`,
      command: ['node', 'train.js'],
      env: cellEnv(i),
      inputPrefix: `inputs/${i.toString(16).padStart(16, '0')}`,
      outputPrefix: `cells/${i.toString(16).padStart(16, '0')}/output`,
    }));
    const bodies = specs.map((spec, i) => cellTaskBody(i + 1, spec, settings));

    // The same submission without latency: the CPU cost of the SDK and the loopback service on this machine.
    await client.job.add({ id: 'bench-cpu', poolInfo: { poolId: 'bench' }, usesTaskDependencies: true });
    const cpuStarted = performance.now();
    await submitTasks(client, 'bench-cpu', bodies, { concurrency });
    const cpu = performance.now() - cpuStarted;

    service.resetCalls();
    const latency = service.inject({ latencyMs });
    const started = performance.now();
    const result = await submitTasks(client, 'bench-job', bodies, { concurrency });
    const wall = performance.now() - started;
    const floor = (Math.ceil(cells / 100) / concurrency) * latencyMs;
    const totalCalls = Object.values(service.calls).reduce((a, b) => a + b, 0);
    console.log(
      `add-collection calls: ${service.calls.Task_AddCollection} ` +
        `(all calls: ${totalCalls}; aim ${Math.ceil(cells / 100)} + a handful), tasks added: ${result.added}`,
    );
    console.log(
      `wall: ${fmt(wall)} vs floor ${fmt(floor)} (ceil(N/100)/${concurrency} × ${latencyMs} ms) ` +
        `→ ${(wall / floor).toFixed(2)}× the floor (aim ≤ 2×)`,
    );
    console.log(
      `  of which CPU (same submission, no latency): ${fmt(cpu)}; latency-bound part ` +
        `${fmt(Math.max(0, wall - cpu))} → ${(Math.max(0, wall - cpu) / floor).toFixed(2)}× the floor`,
    );

    latency.remove();
    const tasks = specs.map((spec, i) => ({ batchId: String(i + 1), spec }));
    const watcher = new TaskWatcher(client, 'bench-job', tasks, { emit: () => {}, timeoutMs: 0, previousExitCode: async () => undefined });
    await watcher.poll();
    const first = watcher.lastPollCalls;
    await watcher.poll();
    const steady = watcher.lastPollCalls;
    console.log(
      `calls per progress poll at ${cells.toLocaleString('en')} cells: first ${first} (task counts + ${first - 1} pages of 1000), ` +
        `then ${steady} (task counts + changed tasks only; aim: a constant)`,
    );
    return {
      addCollectionCalls: service.calls.Task_AddCollection,
      wallMs: wall,
      cpuMs: cpu,
      floorMs: floor,
      firstPollCalls: first,
      steadyPollCalls: steady,
    };
  } finally {
    await service.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchBatchSubmit();
