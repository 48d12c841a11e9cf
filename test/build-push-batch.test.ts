// `mxn build --push`, then `mxn run` on the loopback Azure Batch service: the tasks name exactly the
// references that were pushed, and the service pulls those images from the real registry and runs
// them through the Docker Engine, as a Batch node would.
import { spawnSync } from 'node:child_process';
import { BlobServiceClient } from '@azure/storage-blob';
import { beforeAll, describe, expect, it } from 'vitest';
import { containerImages, fixedClock, skipWithoutDocker, skipWithoutRegistry } from '@mxn/testkit';
import { useRegistryProject } from './support/registry-project.js';

describe.skipIf(skipWithoutDocker() || skipWithoutRegistry())('mxn build --push, then a run on the loopback Azure Batch service', () => {
  const setup = useRegistryProject((registry) => ({
    batch: {
      images: containerImages((name) => name.startsWith(`${registry.host}/`)),
      autoScaleIntervalMs: 200,
      nodeStartMs: 20,
      tickMs: 10,
      clock: fixedClock(),
    },
  }));
  beforeAll(async () => {
    await BlobServiceClient.fromConnectionString(setup.emulators.blob.connectionString).getContainerClient('mxn').createIfNotExists();
  });

  it('runs the cells in the images the build pushed', { timeout: 300_000 }, async () => {
    const { project, registry, emulators } = setup;
    await project.experiment(
      'pushed',
      `name: pushed
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: busan, train: data/housing/busan.parquet }
models:
  - { name: ridge, build: models/ridge, command: [node, train.js], params: { alpha: 1 } }
evaluation: { target: price, metrics: [rmse, r2] }
aggregate: { build: models/ensemble, command: [node, aggregate.js] }
compute: { backend: azure-batch, retries: 0, timeout: 5m }
`,
    );
    const env = {
      ...emulators.env,
      MXN_STAGING: `az://${emulators.blob.accountName}/mxn/staging`,
      MXN_BATCH_POLL_MS: '100',
      MXN_BUILD_NETWORK: 'host',
    };
    const build = await project.mxn(['build', 'experiments/pushed.yaml', '--push', '--registry', registry.host], { env });
    expect(build.code, `${build.stdout}\n${build.stderr}`).toBe(0);
    const refs = [...build.stdout.matchAll(/^(\S+:[0-9a-f]{12})\b.*\bpushed\b/gm)].map((match) => match[1]!);
    expect(refs.map((ref) => ref.replace(/:[0-9a-f]{12}$/, '')).sort()).toEqual([`${registry.host}/aggregate`, `${registry.host}/ridge`]);
    // Only the registry has them now: the service must pull them.
    for (const ref of refs) expect(spawnSync('docker', ['rmi', ref]).status).toBe(0);

    const run = await project.mxn(['run', 'experiments/pushed.yaml'], { env: { ...env, MXN_REGISTRY: registry.host } });
    expect(run.stderr).not.toMatch(/\berror\b/i);
    expect(run.code).toBe(0);
    const results = await project.results('pushed');
    expect(results).toMatchObject({ backend: 'azure-batch', runtime: 'container', aggregate: { status: 'succeeded' } });
    expect(results.cells.map((cell) => cell.status)).toEqual(['succeeded', 'succeeded']);
    expect(results.cells.every((cell) => cell.metrics.r2! > 0.3)).toBe(true);
    for (const ref of refs) {
      expect(emulators.batch!.requestsContaining(ref).length).toBeGreaterThan(0);
      expect(spawnSync('docker', ['image', 'inspect', ref]).status).toBe(0); // pulled back by the node
    }
  });
});
