import { afterAll, beforeAll, expect, it } from 'vitest';
import { testBackend } from '@mxn/core/testing';
import { CONTRACT_IMAGE, startLoopback, until, type Loopback } from '../test-support/loopback.js';

let loop: Loopback;
beforeAll(async () => {
  loop = await startLoopback();
}, 60_000);
afterAll(async () => {
  await loop?.stop();
});

// Batch uploads each attempt's outputs and runs tasks on its own nodes, so the shared-filesystem
// checks (flaky marker, pids) do not apply; everything else does.
testBackend(
  'azure-batch',
  async () => {
    const { uri, store } = await loop.staging();
    return {
      backend: loop.backend({ poolId: 'contract' }),
      stagingUri: uri,
      store,
      cleanup: async () => {
        // A pool mxn created is never left above zero, whatever the run did.
        expect(await until(() => (loop.batch.poolNodes('contract')?.dedicated ?? 0) === 0, 5000)).toBe(true);
      },
    };
  },
  { sharedFilesystem: false, image: CONTRACT_IMAGE },
);

it('created the pool at zero, autoscaled it from zero while runs had work, and left it parked at zero', () => {
  const evaluations = loop.batch.autoScaleEvaluations.filter((e) => e.poolId === 'contract');
  expect(evaluations.length).toBeGreaterThan(0);
  expect(evaluations.every((e) => e.formula.includes('$NodeDeallocationOption = taskcompletion'))).toBe(true);
  const pool = loop.batch.store.pool('contract');
  expect(pool?.enableAutoScale).toBe(false);
  expect(loop.batch.poolNodes('contract')).toMatchObject({ targetDedicated: 0, targetLowPriority: 0 });
});
