import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * The child's entry: exit when the parent (the test process) disconnects, so no emulator outlives
 * the tests that started it; stop at once on SIGTERM (test data is in memory or a temporary
 * folder: nothing to flush); then run Azurite's blob service with argv laid out as for its own bin.
 */
const CHILD_ENTRY = "process.on('disconnect',()=>process.exit(0));process.on('SIGTERM',()=>process.exit(0));require(process.argv[1]);";

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface BlobEndpointHandle {
  /** `http://127.0.0.1:PORT/devstoreaccount1`: the account's blob service URL. */
  blobEndpoint: string;
  accountName: string;
  accountKey: string;
  /** Connection string whose `BlobEndpoint` points here. */
  connectionString: string;
  /** `AZURE_STORAGE_CONNECTION_STRING`, `AZURE_STORAGE_ACCOUNT`, `AZURE_STORAGE_KEY`. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface AzuriteHandle extends BlobEndpointHandle {
  port: number;
}

export interface StartAzuriteOptions {
  /** Keep blobs in memory (default) instead of a temporary folder. */
  inMemory?: boolean;
  /** In-memory extent limit in MB. Default 1024. */
  memoryLimitMb?: number;
  /** Print Azurite's output. Default false. */
  verbose?: boolean;
}

export function blobEnv(blobEndpoint: string): Pick<BlobEndpointHandle, 'connectionString' | 'env'> {
  const account = `AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY}`;
  const connectionString = `DefaultEndpointsProtocol=http;${account};BlobEndpoint=${blobEndpoint};`;
  return {
    connectionString,
    env: { AZURE_STORAGE_CONNECTION_STRING: connectionString, AZURE_STORAGE_ACCOUNT: AZURITE_ACCOUNT, AZURE_STORAGE_KEY: AZURITE_KEY },
  };
}

/**
 * Starts Azurite's blob service as a child process on an ephemeral loopback port
 * (`--skipApiVersionCheck` so the newest SDK is accepted, `--loose`, no telemetry).
 * The child exits when this process goes away.
 */
export async function startAzurite(options: StartAzuriteOptions = {}): Promise<AzuriteHandle> {
  const workdir = await mkdtemp(path.join(tmpdir(), 'mxn-azurite-'));
  const args = ['--blobHost', '127.0.0.1', '--blobPort', '0', '--skipApiVersionCheck', '--loose', '--disableTelemetry'];
  if (options.inMemory ?? true) args.push('--inMemoryPersistence', '--extentMemoryLimit', String(options.memoryLimitMb ?? 1024));
  else args.push('--location', workdir);
  const child = spawn(process.execPath, ['-e', CHILD_ENTRY, require.resolve('azurite/dist/src/blob/main.js'), ...args], {
    cwd: workdir,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (options.verbose) process.stderr.write(chunk);
      const match = /successfully listens on http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`testkit: Azurite exited with code ${code} before listening:\n${output}`)));
    child.once('error', reject);
  });
  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  let stopped: Promise<void> | undefined;
  return {
    port,
    blobEndpoint,
    accountName: AZURITE_ACCOUNT,
    accountKey: AZURITE_KEY,
    ...blobEnv(blobEndpoint),
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(timer);
        }
        await rm(workdir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
