import { testBackend } from '@mxn/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CONTRACT_IMAGE, startLoopback, type Loopback } from '../test-support/loopback.js';

let loop: Loopback;
beforeAll(async () => {
  loop = await startLoopback();
}, 60_000);
afterAll(async () => {
  await loop?.stop();
});

// Cells run in the fake's processes with their own folders (no shared filesystem checks). The managed
// compute environment is sized by the run's concurrency (maxvCpus = concurrency × 1 vCPU).
testBackend(
  'aws-batch',
  async () => {
    const { uri, store } = await loop.staging();
    return { backend: loop.backend({ managed: { name: 'contract', type: 'EC2', subnets: ['subnet-loopback'] } }), stagingUri: uri, store };
  },
  { sharedFilesystem: false, image: CONTRACT_IMAGE },
);

it('left the compute environment it created at minvCpus 0 and nothing in use, and carried no secret', () => {
  const ce = loop.batch.store.computeEnvironments.get('contract');
  expect(ce?.computeResources).toMatchObject({ minvCpus: 0 });
  expect(ce?.tags).toMatchObject({ 'mxn:managed': 'true' });
  loop.batch.assertNoSecrets();
});
