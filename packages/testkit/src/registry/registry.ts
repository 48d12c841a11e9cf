/**
 * Debian's `docker-registry` (the CNCF distribution registry) on 127.0.0.1, with filesystem storage
 * in a temp folder, for tests of the image path. `apt-get install -y docker-registry` provides it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isCi } from '../docker/engine.js';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

/** True when the registry binary is installed (tests skip with a note otherwise). */
export function registryAvailable(binary = REGISTRY_BINARY): boolean {
  return existsSync(binary);
}

export interface SkipWithoutRegistryOptions {
  /** Default `/usr/bin/docker-registry`. */
  binary?: string;
  /** Default `process.env`; with `CI` set, a missing registry is an error, not a skip. */
  env?: NodeJS.ProcessEnv;
  /** Default `console.warn`: says what is skipped and how to install the registry. */
  warn?: (line: string) => void;
}

/** Thrown by `skipWithoutRegistry` in CI, where the registry must be installed (`.ci/run` does). */
export class RegistryMissingError extends Error {
  readonly code = 'RegistryMissing';
}

/**
 * For `describe.skipIf(skipWithoutRegistry())`: false when the registry is installed; true (with a
 * warning) on a development machine without it; in CI (`CI` set) it throws, so the registry tests
 * fail loudly instead of passing by skipping.
 */
export function skipWithoutRegistry(options: SkipWithoutRegistryOptions = {}): boolean {
  const binary = options.binary ?? REGISTRY_BINARY;
  if (registryAvailable(binary)) return false;
  const env = options.env ?? process.env;
  if (isCi(env))
    throw new RegistryMissingError(
      `testkit: ${binary} is missing in CI; the registry tests cannot be skipped there ` +
        `(apt-get install -y docker-registry, as .ci/run does)`,
    );
  (options.warn ?? console.warn)(`testkit: skipped the registry tests: ${binary} is not installed (apt-get install -y docker-registry)`);
  return true;
}

export interface RegistryHandle {
  /** `127.0.0.1:<port>`: the registry part of image references. */
  host: string;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Default `/usr/bin/docker-registry`. */
  binary?: string;
}

export async function startRegistry(options: StartRegistryOptions = {}): Promise<RegistryHandle> {
  const binary = options.binary ?? REGISTRY_BINARY;
  const dir = await mkdtemp(path.join(tmpdir(), 'mxn-registry-'));
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log: { level: error, accesslog: { disabled: true } }',
      `storage: { filesystem: { rootdirectory: ${JSON.stringify(path.join(dir, 'data'))} }, delete: { enabled: true } }`,
      `http: { addr: "127.0.0.1:${port}" }`,
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`testkit: docker-registry exited (${child.exitCode}): ${stderr.trim()}`);
    }
    const ok = await fetch(`${url}/v2/`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`testkit: docker-registry did not answer on ${url} within 10 s: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { host: `127.0.0.1:${port}`, url, stop };
}

/**
 * Pushes a tiny image (one layer, a config, an OCI manifest) through the distribution API, as
 * `docker push` would: blob uploads (POST, then PUT with the digest), then the manifest.
 * Returns the manifest digest.
 */
export async function pushTestImage(
  url: string,
  repository: string,
  tag: string,
  content = `mxn test image ${repository}:${tag}`,
): Promise<string> {
  const layer = Buffer.from(content);
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(layer)] }, config: {} }),
  );
  await uploadBlob(url, repository, layer);
  await uploadBlob(url, repository, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer), size: layer.length }],
    }),
  );
  const response = await fetch(`${url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  if (response.status !== 201) throw new Error(`testkit: manifest upload answered ${response.status}: ${await response.text()}`);
  return digestOf(manifest);
}

async function uploadBlob(url: string, repository: string, blob: Buffer): Promise<void> {
  const start = await fetch(`${url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) throw new Error(`testkit: blob upload start answered ${start.status}`);
  const target = new URL(location, url);
  target.searchParams.set('digest', digestOf(blob));
  const put = await fetch(target, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: blob });
  if (put.status !== 201) throw new Error(`testkit: blob upload answered ${put.status}: ${await put.text()}`);
}

function digestOf(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('testkit: no free port'))));
    });
  });
}
