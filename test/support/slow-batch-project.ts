/**
 * A throwaway project with a slow model (`models/slow`, sleeping `params.sleep` ms, default 1500, then
 * exiting with code `params.fail` after a line on stderr when that is set) and
 * the emulators of one cloud backend, for tests that interrupt runs: azure-batch (the loopback Batch
 * service, staging in Azurite) or aws-batch (the loopback AWS Batch service, staging in the S3 emulator).
 */
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { fixedClock, modelFolderImages, startEmulators, type EmulatorsHandle } from '@mxn/testkit';
import { e2eProject, repoRoot, type E2eProject } from './project.js';

const SLOW_MODEL = `import { readTaskInputs, writePredictions } from '@mxn/model-kit';
const { test, params } = await readTaskInputs();
await new Promise((resolve) => setTimeout(resolve, Number(params.sleep ?? 1500)));
if (params.fail) {
  console.error(\`slow: giving up on variant \${params.i} as asked\`);
  process.exit(Number(params.fail));
}
await writePredictions(new Float64Array(test.numRows).fill(Number(params.i ?? 1) * 1e5));
`;

export interface SlowBatchProject {
  project: E2eProject;
  emulators: EmulatorsHandle;
  /** Environment that points the CLI at the emulators (Batch or AWS Batch, its staging store, fast polls). */
  env: NodeJS.ProcessEnv;
}

export async function slowBatchProject(
  options: { ensemble?: boolean; backend?: 'azure-batch' | 'aws-batch' } = {},
): Promise<SlowBatchProject> {
  const project = await e2eProject(['data', 'node_modules']);
  await project.model('slow', SLOW_MODEL);
  if (options.ensemble) await symlink(path.join(repoRoot, 'models/ensemble'), project.file('models/ensemble'));
  if (options.backend === 'aws-batch') {
    const emulators = await startEmulators({ batch: false, ecr: false, awsBatch: { images: modelFolderImages(project.root), tickMs: 10 } });
    const env = { ...emulators.env, MXN_STAGING: 's3://mxn/staging', MXN_BATCH_POLL_MS: '100', NO_COLOR: '1' };
    return { project, emulators, env };
  }
  const emulators = await startEmulators({
    batch: { images: modelFolderImages(project.root), autoScaleIntervalMs: 200, nodeStartMs: 20, tickMs: 10, clock: fixedClock() },
  });
  await BlobServiceClient.fromConnectionString(emulators.blob.connectionString).getContainerClient('mxn').createIfNotExists();
  const env = { ...emulators.env, MXN_STAGING: `az://${emulators.blob.accountName}/mxn/staging`, MXN_BATCH_POLL_MS: '100', NO_COLOR: '1' };
  return { project, emulators, env };
}
