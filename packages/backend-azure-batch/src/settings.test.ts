import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExperimentError, experimentSchemaFor, loadExperiment } from '@mxn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { azureBatchSettingsSchema } from './settings.js';

const schema = experimentSchemaFor({ 'azure-batch': azureBatchSettingsSchema });
let file: string;

const experiment = (compute: string) => `name: batch
datasets: [{ name: a, train: data/a.parquet }]
models: [{ name: m, image: ghcr.io/team/m:1, command: [node, train.js] }]
evaluation: { target: y }
compute:
${compute}`;

async function problems(compute: string): Promise<string[]> {
  await writeFile(file, experiment(compute));
  const error = await loadExperiment(file, { checkData: false, schema }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ExperimentError);
  const shown = path.relative(process.cwd(), file);
  return (error as ExperimentError).message.split('\n').map((line) => line.replace(`${shown}:`, ''));
}

beforeAll(async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'mxn-batch-schema-'));
  await mkdir(path.join(root, 'experiments'));
  file = path.join(root, 'experiments/batch.yaml');
});

describe('azure-batch settings in an experiment file', () => {
  it('accepts the pool and job shape, with backend: azure-batch', async () => {
    await writeFile(
      file,
      experiment(
        '  backend: azure-batch\n  maxNodes: 3\n  vmSize: standard_d4s_v3\n  autoPool: true\n' +
          '  spot: true\n  taskSlotsPerNode: 4\n  image: microsoft-dsvm/ubuntu-hpc/2404\n',
      ),
    );
    const loaded = await loadExperiment(file, { checkData: false, schema });
    expect(loaded.spec.compute).toEqual({
      backend: 'azure-batch',
      retries: 1,
      timeout: '30m',
      maxNodes: 3,
      vmSize: 'standard_d4s_v3',
      autoPool: true,
      spot: true,
      taskSlotsPerNode: 4,
      image: 'microsoft-dsvm/ubuntu-hpc/2404',
    });
  });

  it('points a misspelt setting at its line and column with a did-you-mean', async () => {
    expect(await problems('  backend: azure-batch\n  maxNode: 3\n')).toEqual([
      '7:3: unknown key "maxNode" in compute; did you mean "maxNodes"?',
    ]);
    expect(await problems('  backend: azure-batch\n  keepJob: true\n')).toEqual([
      '7:3: unknown key "keepJob" in compute; expected one of: backend, concurrency, retries, retryModelFailures, timeout, ' +
        'staging, cache, maxCells, pool, autoPool, vmSize, image, nodeAgent, maxNodes, taskSlotsPerNode, spot, workingDirectory',
    ]);
  });

  it('validates a setting only when the file selects azure-batch, and says whose setting it is otherwise', async () => {
    expect(await problems('  backend: local\n  maxNodes: 3\n')).toEqual([
      '7:3: unknown key "maxNodes" in compute; maxNodes is a setting of backend azure-batch, and compute.backend is local',
    ]);
    expect(await problems('  maxNodes: 3\n')).toEqual([
      '6:3: unknown key "maxNodes" in compute; maxNodes is a setting of backend azure-batch, and compute.backend is local',
    ]);
  });

  it('refuses wrong values, a pool with autoPool, and a backend that does not exist', async () => {
    expect(await problems('  backend: azure-batch\n  maxNodes: 0\n  pool: my pool\n')).toEqual([
      '7:13: compute.maxNodes: 0 is too small; write 1 or more',
      '8:9: compute.pool: a Batch pool id has at most 64 letters, digits, "-" and "_"',
    ]);
    expect(await problems('  backend: azure-batch\n  pool: shared\n  autoPool: true\n')).toEqual([
      '8:13: compute.autoPool: autoPool: true runs on a pool of its own; remove pool (or autoPool)',
    ]);
    expect(await problems('  backend: azure\n')).toEqual([
      '6:12: compute.backend: unknown backend "azure"; did you mean "azure-batch"? (backends: local, azure-batch, aws-batch)',
    ]);
    expect(
      await problems('  backend: azure-batch\n  image: microsoft-dsvm:ubuntu-hpc:2404\n  nodeAgent: batch.node.ubuntu 24.04\n'),
    ).toEqual([
      '7:10: compute.image: a node image is publisher/offer/sku or publisher/offer/sku@version, e.g. microsoft-dsvm/ubuntu-hpc/2404',
    ]);
    expect(await problems('  backend: azure-batch\n  nodeAgent: batch.node.ubuntu 24.04\n')).toEqual([
      '7:14: compute.nodeAgent: nodeAgent goes with image (the node agent of that image); without image, mxn chooses both',
    ]);
  });
});
