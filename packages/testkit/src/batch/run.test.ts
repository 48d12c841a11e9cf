import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import {
  BlobServiceClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
} from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '@mxn/emulators';
import { fixedClock, startBatchService, type BatchService } from './service.js';
import { batchClient } from './test-helpers.js';

let azurite: AzuriteHandle;
let svc: BatchService;
let client: BatchServiceClient;
let blobs: BlobServiceClient;
let imageDir: string;
const vm = {
  imageReference: { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc', sku: '2404', version: 'latest' },
  nodeAgentSKUId: 'batch.node.ubuntu 24.04',
};

function sas(container: string, permissions: string): string {
  const cred = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
  const query = generateBlobSASQueryParameters(
    { containerName: container, permissions: ContainerSASPermissions.parse(permissions), expiresOn: new Date(Date.now() + 3_600_000) },
    cred,
  ).toString();
  return `${azurite.blobEndpoint}/${container}?${query}`;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const text = async (container: string, name: string): Promise<string> =>
  (await blobs.getContainerClient(container).getBlobClient(name).downloadToBuffer()).toString('utf8');

beforeAll(async () => {
  azurite = await startAzurite();
  blobs = new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey));
  imageDir = await mkdtemp(join(tmpdir(), 'mxn-image-'));
  const where =
    "const out = process.env.AZ_BATCH_TASK_WORKING_DIR + '/out'; require('fs').mkdirSync(out, { recursive: true }); " +
    "require('fs').writeFileSync(out + '/cwd.txt', process.cwd());";
  await writeFile(join(imageDir, 'where.js'), where);
  svc = await startBatchService({
    images: { 'mxnacr.azurecr.io/where': { cwd: imageDir, command: ['node', 'where.js'] } },
    clock: fixedClock(),
  });
  client = batchClient(svc);
  for (const c of ['inputs', 'outputs']) await blobs.createContainer(c);
  for (const i of [1, 2, 3]) await blobs.getContainerClient('inputs').uploadBlockBlob(`cells/${i}/x.txt`, String(i * 10), 2);
  await blobs.getContainerClient('inputs').uploadBlockBlob('other/secret.txt', 'not for tasks', 13);
}, 60_000);
afterAll(async () => {
  await svc?.stop();
  await azurite?.stop();
  if (imageDir) await rm(imageDir, { recursive: true, force: true });
});

describe('running tasks', () => {
  it('runs 3 tasks and a dependent one on an autoscaled pool, moving files through Azurite', async () => {
    const formula =
      '$tasks = $PendingTasks.GetSample(1);\n$TargetDedicatedNodes = min(2, max(0, $tasks));\n$NodeDeallocationOption = taskcompletion;';
    await client.pool.add({
      id: 'run-pool',
      vmSize: 'standard_d2s_v3',
      virtualMachineConfiguration: vm,
      taskSlotsPerNode: 1,
      enableAutoScale: true,
      autoScaleFormula: formula,
      autoScaleEvaluationInterval: 'PT5M',
    });
    expect(svc.poolNodes('run-pool')!.targetDedicated).toBe(0);
    await client.job.add({ id: 'run-job', poolInfo: { poolId: 'run-pool' }, usesTaskDependencies: true });

    const inputSas = sas('inputs', 'rl');
    const outputSas = sas('outputs', 'cw');
    const outputs = (id: string): BatchServiceModels.OutputFile[] => [
      {
        filePattern: 'out/**/*',
        destination: { container: { containerUrl: outputSas, path: `cells/${id}` } },
        uploadOptions: { uploadCondition: 'taskcompletion' },
      },
      {
        filePattern: '../std*.txt',
        destination: { container: { containerUrl: outputSas, path: `logs/${id}` } },
        uploadOptions: { uploadCondition: 'taskcompletion' },
      },
    ];
    const cell = (i: number): BatchServiceModels.TaskAddParameter => ({
      id: String(i),
      displayName: `cell-${i}`,
      // Task 2 fails every attempt; its exit conditions still satisfy the dependent task.
      commandLine:
        `node -e "const fs=require('fs');const wd=process.env.AZ_BATCH_TASK_WORKING_DIR;` +
        `const x=fs.readFileSync(wd+'/in/cells/${i}/x.txt','utf8');fs.mkdirSync('out',{recursive:true});` +
        `fs.writeFileSync('out/y.txt',String(Number(x)+1)+' '+process.env.CELL);` +
        `console.log('cell ${i} done');process.exit(${i === 2 ? 3 : 0})"`,
      resourceFiles: [{ storageContainerUrl: inputSas, blobPrefix: `cells/${i}/`, filePath: 'in' }],
      outputFiles: outputs(String(i)),
      environmentSettings: [{ name: 'CELL', value: `c${i}` }],
      constraints: { maxTaskRetryCount: i === 2 ? 1 : 0 },
      exitConditions: { default: { dependencyAction: 'satisfy' } },
    });
    const added = await client.task.addCollection('run-job', [
      cell(1),
      cell(2),
      cell(3),
      {
        id: '4',
        displayName: 'aggregate',
        commandLine: '',
        containerSettings: { imageName: 'mxnacr.azurecr.io/where:latest', workingDirectory: 'containerImageDefault' },
        dependsOn: { taskIdRanges: [{ start: 1, end: 3 }] },
        outputFiles: [
          {
            filePattern: '$AZ_BATCH_TASK_WORKING_DIR/out/*',
            destination: { container: { containerUrl: outputSas, path: 'aggregate' } },
            uploadOptions: { uploadCondition: 'tasksuccess' },
          },
        ],
      },
    ]);
    expect(added.value!.every((r) => r.status === 'success')).toBe(true);
    await client.job.patch('run-job', { onAllTasksComplete: 'terminatejob' });
    // Before the next evaluation the pool has no nodes, so nothing runs yet.
    expect((await client.job.getTaskCounts('run-job')).taskCounts.running).toBe(0);

    const job = await waitFor('the job to complete', async () => {
      const j = await client.job.get('run-job');
      return j.state === 'completed' ? j : undefined;
    });
    expect(job.executionInfo?.terminateReason).toBe('AllTasksComplete');
    const counts = (await client.job.getTaskCounts('run-job')).taskCounts;
    expect(counts).toEqual({ active: 0, running: 0, completed: 4, succeeded: 3, failed: 1 });

    const t2 = await client.task.get('run-job', '2');
    expect(t2.executionInfo).toMatchObject({
      exitCode: 3,
      result: 'failure',
      retryCount: 1,
      failureInfo: { category: 'usererror', code: 'FailureExitCode' },
    });
    const t4 = await client.task.get('run-job', '4');
    expect(t4.executionInfo).toMatchObject({ exitCode: 0, result: 'success' });
    const t1 = await client.task.get('run-job', '1');
    expect(t4.executionInfo!.startTime!.getTime()).toBeGreaterThanOrEqual(t1.executionInfo!.endTime!.getTime());

    expect(await text('outputs', 'cells/1/y.txt')).toBe('11 c1');
    expect(await text('outputs', 'cells/3/y.txt')).toBe('31 c3');
    expect(await text('outputs', 'cells/2/y.txt')).toBe('21 c2'); // uploaded on failure too (taskCompletion)
    expect(await text('outputs', 'logs/1/stdout.txt')).toBe('cell 1 done\n');
    // The container task ran in the image's working directory, not the task folder.
    expect(await text('outputs', 'aggregate/cwd.txt')).toBe(imageDir);

    // The pool returns to zero once the work is done.
    await waitFor('the pool to reach zero nodes', () => (svc.poolNodes('run-pool')!.dedicated === 0 ? true : undefined));
    expect(
      svc.autoScaleEvaluations.filter((e) => e.poolId === 'run-pool' && e.results?.includes('$TargetDedicatedNodes=2')).length,
    ).toBeGreaterThan(0);
    const pool = await client.pool.get('run-pool');
    expect(pool.currentDedicatedNodes).toBe(0);
    expect(pool.autoScaleRun?.results).toContain('$TargetDedicatedNodes=0');
  });

  it('really exercises the SAS permissions: no listing without l, no upload without w', async () => {
    await client.pool.add({
      id: 'sas-pool',
      vmSize: 'standard_d2s_v3',
      virtualMachineConfiguration: vm,
      targetDedicatedNodes: 1,
      taskSlotsPerNode: 2,
    });
    await client.job.add({ id: 'sas-job', poolInfo: { poolId: 'sas-pool' } });
    await client.task.addCollection('sas-job', [
      { id: 'no-list', commandLine: 'true', resourceFiles: [{ storageContainerUrl: sas('inputs', 'r'), blobPrefix: 'cells/1/' }] },
      {
        id: 'no-write',
        commandLine: `node -e "require('fs').writeFileSync('r.txt','x')"`,
        outputFiles: [
          {
            filePattern: 'r.txt',
            destination: { container: { containerUrl: sas('outputs', 'r'), path: 'denied/r.txt' } },
            uploadOptions: { uploadCondition: 'tasksuccess' },
          },
        ],
      },
    ]);
    const done = await waitFor('both tasks to complete', async () => {
      const list = await client.task.list('sas-job', { taskListOptions: { filter: "state eq 'completed'" } });
      return list.length === 2 ? Object.fromEntries(list.map((t) => [t.id, t])) : undefined;
    });
    expect(done['no-list']!.executionInfo).toMatchObject({
      result: 'failure',
      failureInfo: { category: 'usererror', code: 'ResourceContainerAccessDenied' },
    });
    expect(done['no-write']!.executionInfo).toMatchObject({ exitCode: 0, result: 'failure', failureInfo: { code: 'FileUploadMiscError' } });
    await expect(text('outputs', 'denied/r.txt')).rejects.toThrow();
  });
});
