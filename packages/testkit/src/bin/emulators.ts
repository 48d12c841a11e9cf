#!/usr/bin/env node
/**
 * `mxn-emulators`: starts an S3 server (bucket `mxn`), Azurite (behind the Put Block From URL shim),
 * the loopback Azure Batch service, and the loopback AWS Batch and ECR services on loopback, prints
 * the environment that points mxn and the SDKs at them, and stops them on Ctrl-C. Usage: `npx mxn-emulators`
 * in a project folder, then paste the printed `export` lines in another shell. The Batch service runs an image mxn built from a folder
 * under `./models/` as that folder (see `modelFolderImages`).
 */
const USAGE = `usage: mxn-emulators [--help]

Starts on loopback, until Ctrl-C:
  an S3 server (bucket mxn),
  Azurite (Blob, behind a shim for Put Block From URL; container mxn),
  a loopback Azure Batch service (runs images built from ./models/<name> as that folder),
  a loopback AWS Batch service (queue MXN_AWS_BATCH_QUEUE, default mxn-queue) and ECR API
  (over docker-registry when installed),
then prints "export …" lines (AWS_*, AZURE_STORAGE_*, AZURE_BATCH_*, MXN_AWS_BATCH_QUEUE, MXN_STAGING) to paste into
another shell, where mxn and the SDKs then talk to the emulators.`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (args.length > 0) {
  process.stderr.write(`mxn-emulators: unknown argument "${args[0]}" (run "mxn-emulators --help")\n`);
  process.exit(2);
}

// Loaded only now, so --help answers without loading the emulators.
const { exportLines, modelFolderImages, startEmulators } = await import('../emulators.js');
const { registryAvailable, startRegistry } = await import('../registry/registry.js');
const registry = registryAvailable() ? await startRegistry() : undefined;
const emulators = await startEmulators({
  batch: { images: modelFolderImages(process.cwd()) },
  awsBatch: { images: modelFolderImages(process.cwd()) },
  ...(registry ? { ecr: { registryUrl: registry.url } } : {}),
});
const container = 'mxn';
const { BlobServiceClient } = await import('@azure/storage-blob');
await BlobServiceClient.fromConnectionString(emulators.blob.connectionString).getContainerClient(container).createIfNotExists();

process.stdout.write(`# mxn emulators: S3 at ${emulators.s3.endpoint} (bucket ${emulators.s3.buckets.join(', ')}), \
Azure Blob at ${emulators.blob.blobEndpoint} (container ${container})
${exportLines({ ...emulators.env, MXN_STAGING: `az://${emulators.blob.accountName}/${container}/staging` })}
# Azure Batch (loopback, api-version ${emulators.batch?.apiVersion}) at ${emulators.batch?.url}: \
mxn run experiments/housing-demo.yaml --backend azure-batch
# AWS Batch (loopback, ${emulators.awsBatch?.runtime} runtime) at ${emulators.awsBatch?.url}, queue ${emulators.awsBatch?.queueName}; \
ECR API at ${emulators.ecr?.url}${registry ? `, images in the registry at ${registry.host}` : ' (no docker-registry installed)'}
# its staging is S3: MXN_STAGING=s3://mxn/staging mxn run experiments/housing-demo.yaml --backend aws-batch
# try: mxn sync ./data s3://mxn/data && mxn sync s3://mxn/data az://${emulators.blob.accountName}/${container}/data
# Ctrl-C stops them.
`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await emulators.stop();
  await registry?.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
