import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { experimentSchemaFor, loadExperiment } from '@mxn/core';
import { describe, expect, it } from 'vitest';
import { defaultStagingFromEnv } from './azure-batch-backend.js';
import { azureBatchBackendFromEnv, optionsFromEnv } from './from-env.js';
import { azureBatchSettingsSchema } from './settings.js';

const env = {
  AZURE_BATCH_ENDPOINT: 'acct.westeurope.batch.azure.com',
  AZURE_BATCH_ACCOUNT_KEY: 'k',
  AZURE_STORAGE_ACCOUNT: 'store',
  MXN_BATCH_POLL_MS: '250',
};

describe('settings from the environment', () => {
  it('reads the account, key and staging defaults', async () => {
    expect(optionsFromEnv({}, env)).toEqual({
      accountUrl: 'https://acct.westeurope.batch.azure.com',
      accountName: 'acct',
      accountKey: 'k',
      defaultStaging: 'az://store/mxn-staging',
      pollIntervalMs: 250,
    });
    expect(defaultStagingFromEnv({ MXN_STAGING: 'az://a/b/c', AZURE_STORAGE_ACCOUNT: 'x' })).toBe('az://a/b/c');
    const backend = await azureBatchBackendFromEnv({}, { ...env, AZURE_BATCH_ACCOUNT_NAME: 'named' });
    expect(backend).toMatchObject({ name: 'azure-batch', capabilities: { reattach: true, containers: true } });
    expect(backend.defaultStagingUri?.()).toBe('az://store/mxn-staging');
  });

  it('says what to set when the account URL is missing', () => {
    expect(() => optionsFromEnv({}, {})).toThrow(/AZURE_BATCH_ACCOUNT_URL is not set/);
  });
});

describe('settings from the experiment file', () => {
  it('gives the backend the pool and job shape the file sets; the file wins over MXN_BATCH_POOL', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mxn-batch-settings-'));
    await mkdir(path.join(root, 'experiments'));
    const file = path.join(root, 'experiments/batch.yaml');
    await writeFile(
      file,
      `name: batch
datasets: [{ name: a, train: data/a.parquet }]
models: [{ name: m, image: ghcr.io/team/m:1, command: [node, train.js] }]
evaluation: { target: y }
compute:
  backend: azure-batch
  concurrency: 8
  pool: gpu-pool
  vmSize: standard_nc6s_v3
  maxNodes: 4
  taskSlotsPerNode: 2
  spot: true
  workingDirectory: task
  image: microsoft-dsvm/ubuntu-hpc/2404@24.04.2025
  nodeAgent: batch.node.ubuntu 24.04
`,
    );
    const loaded = await loadExperiment(file, {
      checkData: false,
      schema: experimentSchemaFor({ 'azure-batch': azureBatchSettingsSchema }),
    });
    // What @mxn/engine's createBackend hands the factory: the backend's own keys of `compute`, parsed by its schema.
    const compute = loaded.spec.compute as Record<string, unknown>;
    const settings = azureBatchSettingsSchema.parse(
      Object.fromEntries(
        Object.keys(azureBatchSettingsSchema.shape)
          .filter((key) => key in compute)
          .map((key) => [key, compute[key]]),
      ),
    );
    // The file's settings other than the pool, under the same names in the options.
    const shape = {
      vmSize: 'standard_nc6s_v3',
      maxNodes: 4,
      taskSlotsPerNode: 2,
      spot: true,
      workingDirectory: 'task',
      image: 'microsoft-dsvm/ubuntu-hpc/2404@24.04.2025',
      nodeAgent: 'batch.node.ubuntu 24.04',
    };
    expect(settings).toEqual({ pool: 'gpu-pool', ...shape });
    expect(
      optionsFromEnv({ ...settings, concurrency: loaded.spec.compute.concurrency }, { ...env, MXN_BATCH_POOL: 'from-env' }),
    ).toMatchObject({ poolId: 'gpu-pool', ...shape, concurrency: 8 });
    // Without a pool in the file, the environment's.
    expect(optionsFromEnv({ autoPool: true }, { ...env, MXN_BATCH_POOL: 'from-env' })).toMatchObject({
      poolId: 'from-env',
      autoPool: true,
    });
  });
});
