// The plan step looks the cell cache up where the run step saves it (the same function, with the
// same backend), so the plan comment's "cached" marks match what the run then does.
import { mkdir, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '@mxn/engine';
import type { Backend } from '@mxn/core';
import { describe, expect, it } from 'vitest';
import { planStep } from './plan-step.js';
import { runStep } from './run-step.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

const experiment = `name: cache-where
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: busan, train: data/housing/busan.parquet }
models:
  - { name: ridge, build: models/ridge, command: [node, train.js], params: { alpha: 1 } }
evaluation: { target: price, metrics: [rmse] }
compute: { concurrency: 2, retries: 0, timeout: 2m }
`;

describe('planStep and runStep share the cache location', () => {
  it('marks cells cached after a run whose backend keeps its staging outside the project', { timeout: 60_000 }, async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mxn-plan-cache-'));
    for (const link of ['models', 'data', 'node_modules']) await symlink(path.join(repoRoot, link), path.join(root, link));
    await mkdir(path.join(root, 'experiments'));
    await writeFile(path.join(root, 'experiments/cache-where.yaml'), experiment);
    const staging = await mkdtemp(path.join(tmpdir(), 'mxn-backend-staging-'));
    // a backend with its own default staging store (as azure-batch has), no MXN_STAGING
    const backendFor = async (name: string): Promise<Backend> => ({ ...(await createBackend(name)), defaultStagingUri: () => staging });
    const saved = process.env.MXN_STAGING;
    delete process.env.MXN_STAGING;
    try {
      const before = await planStep({ root, experiments: ['experiments/cache-where.yaml'], createBackend: backendFor });
      expect(before.experiments[0]).toMatchObject({ cells: 2, toRun: 2 });
      const run = await runStep({ root, experiment: 'experiments/cache-where.yaml', createBackend: backendFor });
      expect(run.results.totals.succeeded).toBe(2);
      expect((await readdir(path.join(staging, 'cache'))).length).toBe(2);
      const after = await planStep({ root, experiments: ['experiments/cache-where.yaml'], createBackend: backendFor });
      expect(after.experiments[0]).toMatchObject({ cells: 2, toRun: 0 });
    } finally {
      if (saved !== undefined) process.env.MXN_STAGING = saved;
    }
  });
});
