import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchServiceClient } from '@azure/batch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutDocker } from '../docker/engine.js';
import { containerMounts } from './container-mounts.js';
import { fixedClock, startBatchService, type BatchService } from './service.js';
import { batchClient, signedFetch } from './test-helpers.js';

const folders = { nodeRoot: '/n/node-1', jobId: 'j', taskDir: '/n/node-1/workitems/j/job-1/t' };

describe('containerHostBatchBindMounts: which node folders a container task gets', () => {
  it('mounts the whole node root without the setting, only the named data paths with it, none with an empty list', () => {
    expect(containerMounts(undefined, folders)).toEqual([{ path: '/n/node-1', readOnly: false }]);
    expect(containerMounts([{ source: 'Task', isReadOnly: false }], folders)).toEqual([{ path: folders.taskDir, readOnly: false }]);
    expect(containerMounts([], folders)).toEqual([]);
    expect(containerMounts([{ source: 'shared', isReadOnly: true }, { source: 'JobPrep' }], folders)).toEqual([
      { path: '/n/node-1/shared', readOnly: true },
      { path: '/n/node-1/workitems/j/job-1/jobpreparation', readOnly: false },
    ]);
  });

  it('refuses a source the 2025-06-01 description does not list, naming the property', async () => {
    const svc = await startBatchService({ clock: fixedClock() });
    try {
      const vm = {
        imageReference: { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc', sku: '2404' },
        nodeAgentSKUId: 'batch.node.ubuntu 24.04',
      };
      svc.addPool({ id: 'p', vmSize: 'standard_d2s_v3', targetDedicatedNodes: 0, virtualMachineConfiguration: vm });
      expect((await signedFetch(svc, 'POST', '/jobs', { id: 'j', poolInfo: { poolId: 'p' } })).status).toBe(201);
      const settings = (source: string) => ({ imageName: 'x', containerHostBatchBindMounts: [{ source, isReadOnly: false }] });
      const answer = await signedFetch(svc, 'POST', '/jobs/j/addtaskcollection', {
        value: [
          { id: 'bad', commandLine: 'true', containerSettings: settings('TaskDir') },
          { id: 'good', commandLine: 'true', containerSettings: settings('Task') },
        ],
      });
      const results = ((await answer.json()) as { value: Array<{ status: string; error?: { code: string; values?: unknown[] } }> }).value;
      expect(results.map((r) => r.status)).toEqual(['clienterror', 'success']);
      expect(results[0]!.error?.code).toBe('InvalidPropertyValue');
      expect(results[0]!.error?.values).toContainEqual({
        key: 'PropertyName',
        value: 'containerSettings.containerHostBatchBindMounts[0].source',
      });
    } finally {
      await svc.stop();
    }
  });
});

/**
 * Two container tasks on the one node of a pool, run through the Docker Engine (the `container` images
 * of the fake; an image run as a local process sees the whole host, so mounts are enforced only here):
 * task `a` writes a result into its working directory, then task `b` (after it) lists the job's task
 * folders on the node, reads `a`'s result and overwrites it, as a hostile cell could before the upload.
 */
describe.skipIf(skipWithoutDocker())('container tasks on one node, with and without containerHostBatchBindMounts', () => {
  let svc: BatchService;
  let client: BatchServiceClient;
  let rootDir: string;
  const IMAGE = 'mxnacr.azurecr.io/snoop:1';
  beforeAll(async () => {
    rootDir = await mkdtemp(join(tmpdir(), 'mxn-batch-mounts-'));
    const images = { [IMAGE]: { cwd: '/', container: { ref: 'node:20-slim' } } };
    svc = await startBatchService({ clock: fixedClock(), tickMs: 10, nodeStartMs: 10, rootDir, images });
    client = batchClient(svc);
    const vm = {
      imageReference: { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc', sku: '2404' },
      nodeAgentSKUId: 'batch.node.ubuntu 24.04',
    };
    svc.addPool({
      id: 'one-node',
      vmSize: 'standard_d2s_v3',
      targetDedicatedNodes: 1,
      taskSlotsPerNode: 2,
      virtualMachineConfiguration: vm,
    });
  });
  afterAll(async () => {
    await svc?.stop();
    if (rootDir) await rm(rootDir, { recursive: true, force: true });
  });

  /** Runs `a` then `b` in job `jobId`; what `b` saw, and `a`'s result on the node afterwards. */
  async function runPair(jobId: string, mounts?: unknown[]) {
    expect(
      (await signedFetch(svc, 'POST', '/jobs', { id: jobId, poolInfo: { poolId: 'one-node' }, usesTaskDependencies: true })).status,
    ).toBe(201);
    const containerSettings = { imageName: IMAGE, ...(mounts ? { containerHostBatchBindMounts: mounts } : {}) };
    const jobDir = '"$AZ_BATCH_NODE_ROOT_DIR/workitems/$AZ_BATCH_JOB_ID/job-1"';
    const snoop = [
      `ls ${jobDir} > "$AZ_BATCH_TASK_WORKING_DIR/listing.txt"`,
      `cat ${jobDir}/a/wd/result.txt > "$AZ_BATCH_TASK_WORKING_DIR/read.txt"`,
      `echo forged > ${jobDir}/a/wd/result.txt`,
      'true',
    ].join('; ');
    const added = await signedFetch(svc, 'POST', `/jobs/${jobId}/addtaskcollection`, {
      value: [
        { id: 'a', commandLine: `/bin/sh -c 'echo genuine > "$AZ_BATCH_TASK_WORKING_DIR/result.txt"'`, containerSettings },
        { id: 'b', commandLine: `/bin/sh -c '${snoop}'`, containerSettings, dependsOn: { taskIds: ['a'] } },
      ],
    });
    expect(((await added.json()) as { value: Array<{ status: string }> }).value.map((r) => r.status)).toEqual(['success', 'success']);
    const end = Date.now() + 60_000;
    for (;;) {
      const b = await client.task.get(jobId, 'b');
      if (b.state === 'completed') {
        expect(b.executionInfo?.exitCode).toBe(0);
        break;
      }
      if (Date.now() > end) throw new Error(`task b of ${jobId} did not complete`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const a = await client.task.get(jobId, 'a');
    const b = await client.task.get(jobId, 'b');
    expect(a.nodeInfo?.nodeId).toBe(b.nodeInfo?.nodeId);
    const jobDirOnHost = join(rootDir, 'nodes', b.nodeInfo!.nodeId!, 'workitems', jobId, 'job-1');
    const seen = async (name: string) => (await readFile(join(jobDirOnHost, 'b', 'wd', name), 'utf8')).trim();
    return {
      listing: (await seen('listing.txt')).split('\n').filter(Boolean),
      read: await seen('read.txt'),
      resultOfA: (await readFile(join(jobDirOnHost, 'a', 'wd', 'result.txt'), 'utf8')).trim(),
      tasksOnHost: (await readdir(jobDirOnHost)).sort(),
    };
  }

  it("with [{ source: 'Task' }], task b sees only its own folder: it cannot list, read or change task a's", {
    timeout: 120_000,
  }, async () => {
    const seen = await runPair('isolated', [{ source: 'Task', isReadOnly: false }]);
    expect(seen.tasksOnHost).toEqual(['a', 'b']);
    expect(seen.listing).toEqual(['b']);
    expect(seen.read).toBe('');
    expect(seen.resultOfA).toBe('genuine');
  });

  it('without the setting (the whole node root, as Batch mounts it), task b lists, reads and overwrites task a’s result', {
    timeout: 120_000,
  }, async () => {
    const seen = await runPair('shared');
    expect(seen.listing).toEqual(['a', 'b']);
    expect(seen.read).toBe('genuine');
    expect(seen.resultOfA).toBe('forged');
  });
});
