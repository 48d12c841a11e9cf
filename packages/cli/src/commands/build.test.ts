// `mxn build` against the real engine (docker on this machine) and a real registry (docker-registry
// on loopback), for a throwaway project whose models are FROM-scratch folders (no base image, no network).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { skipWithoutDocker, skipWithoutRegistry, startRegistry, type RegistryHandle } from '@mxn/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';
import type { Output } from '../output.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

function docker(...args: string[]): string {
  const result = spawnSync('docker', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function mxn(...args: string[]): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const output: Output = { out: sink((text) => (stdout += text)), err: sink((text) => (stderr += text)), color: false };
  const code = await main(args, output);
  return { code, stdout, stderr };
}

const experiment = (name: string, models: string, aggregate = '') => `name: ${name}
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: busan, train: data/housing/busan.parquet }
models:
${models}
evaluation: { target: price, metrics: [rmse] }
${aggregate}`;

describe.skipIf(skipWithoutDocker() || skipWithoutRegistry())('mxn build', () => {
  let registry: RegistryHandle;
  let root: string;
  const suffix = randomUUID().slice(0, 8);
  const made = new Set<string>();

  beforeAll(async () => {
    registry = await startRegistry();
    root = await mkdtemp(path.join(tmpdir(), 'mxn-build-'));
    await symlink(path.join(repoRoot, 'data'), path.join(root, 'data'));
    await writeFile(path.join(root, 'package.json'), '{ "private": true }\n');
    await mkdir(path.join(root, 'experiments'));
    for (const name of ['alpha', 'beta', 'agg']) {
      const dir = path.join(root, 'models', name);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY model.txt /\n');
      await writeFile(path.join(dir, 'model.txt'), `${name} ${suffix}\n`);
    }
    await mkdir(path.join(root, 'models', 'bad'));
    await writeFile(path.join(root, 'models', 'bad', 'Dockerfile'), 'FROM scratch\nCOPY missing-file /\n');
    await writeFile(
      path.join(root, 'experiments', 'tiny.yaml'),
      experiment(
        'tiny',
        `  - { name: alpha, build: models/alpha, command: [run], params: { a: [1, 2] } }\n` +
          `  - { name: beta, build: models/beta, command: [run] }\n  - { name: beta-again, build: models/beta, command: [run] }`,
        'aggregate: { build: models/agg, command: [aggregate] }\n',
      ),
    );
  });
  afterEach(() => vi.unstubAllEnvs());
  afterAll(async () => {
    for (const ref of made) spawnSync('docker', ['rmi', '-f', ref], { stdio: 'ignore' });
    await registry?.stop();
  });

  const file = () => path.join(root, 'experiments', 'tiny.yaml');
  const refsIn = (stdout: string) => [...stdout.matchAll(/^(\S+:[0-9a-f]{12}) /gm)].map((match) => match[1]!);

  it('builds each build folder once, pushes what the registry lacks, and then has nothing to do', async () => {
    vi.stubEnv('MXN_REGISTRY', '');
    // Locally, without a registry: mxn/<model>:<hash>.
    const local = await mxn('build', file());
    expect(local.code, local.stderr).toBe(0);
    for (const ref of refsIn(local.stdout)) made.add(ref);
    expect(local.stdout).toMatch(/^mxn\/alpha:[0-9a-f]{12} \(models\/alpha\) {2}built$/m);
    expect(local.stdout).toMatch(/^mxn\/beta:[0-9a-f]{12} \(models\/beta\) {2}built$/m);
    expect(local.stdout).toMatch(/^mxn\/aggregate:[0-9a-f]{12} \(models\/agg\) {2}built$/m);
    expect(local.stdout.trim().split('\n').at(-1)).toBe('built 3, reused 0, pushed 0, pulled 0, failed 0');

    // With the registry and --push: built, pushed, and found there.
    const pushed = await mxn('build', file(), '--push', '--registry', registry.host);
    expect(pushed.code, pushed.stderr).toBe(0);
    const refs = refsIn(pushed.stdout);
    for (const ref of refs) made.add(ref);
    expect(refs).toHaveLength(3);
    expect(refs.every((ref) => ref.startsWith(`${registry.host}/`))).toBe(true);
    expect(pushed.stdout).toMatch(new RegExp(`^${registry.host}/alpha:[0-9a-f]{12} \\(models/alpha\\) {2}pushed$`, 'm'));
    expect(pushed.stdout.trim().split('\n').at(-1)).toBe('built 0, reused 0, pushed 3, pulled 0, failed 0');
    for (const ref of refs) {
      const [repository, tag] = ref.slice(registry.host.length + 1).split(':');
      expect(
        (
          await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
            method: 'HEAD',
            headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
          })
        ).status,
        ref,
      ).toBe(200);
    }

    // Again: the registry has them, nothing is built or pushed. MXN_REGISTRY works as --registry.
    vi.stubEnv('MXN_REGISTRY', registry.host);
    const again = await mxn('build', file(), '--push');
    expect(again.code, again.stderr).toBe(0);
    expect(refsIn(again.stdout).sort()).toEqual([...refs].sort());
    expect(again.stdout.trim().split('\n').at(-1)).toBe('built 0, reused 3, pushed 0, pulled 0, failed 0');

    const json = JSON.parse((await mxn('build', file(), '--json')).stdout) as {
      images: Record<string, string>;
      totals: Record<string, number>;
    };
    expect(json.totals).toEqual({ built: 0, reused: 3, pushed: 0, pulled: 0, failed: 0 });
    expect(json.images[path.join(root, 'models', 'alpha')]).toBe(refs.find((ref) => ref.includes('/alpha:')));
  });

  it('pulls a prebuilt image, and one failing folder does not stop the others (exit 1)', async () => {
    vi.stubEnv('MXN_REGISTRY', '');
    const prebuilt = `${registry.host}/prebuilt-${suffix}:v1`;
    made.add(prebuilt);
    docker('build', '--tag', prebuilt, path.join(root, 'models', 'alpha'));
    docker('push', prebuilt);
    docker('rmi', prebuilt);
    const mixed = path.join(root, 'experiments', 'mixed.yaml');
    await writeFile(
      mixed,
      experiment(
        'mixed',
        `  - { name: bad, build: models/bad, command: [run] }\n` +
          `  - { name: beta, build: models/beta, command: [run] }\n  - { name: pre, image: ${prebuilt}, command: [run] }`,
      ),
    );
    const ran = await mxn('build', mixed);
    expect(ran.code, ran.stderr).toBe(1);
    expect(ran.stdout).toMatch(
      /^mxn\/bad:[0-9a-f]{12} \(models\/bad\) {2}failed: docker build of models\/bad failed \(exit 1\): COPY failed: .*missing-file.*$/m,
    );
    expect(ran.stdout).toMatch(/^mxn\/beta:[0-9a-f]{12} \(models\/beta\) {2}reused$/m);
    expect(ran.stdout).toMatch(new RegExp(`^${prebuilt} {2}pulled {2}${registry.host}/prebuilt-${suffix}@sha256:[0-9a-f]{64}$`, 'm'));
    expect(ran.stdout.trim().split('\n').at(-1)).toBe('built 0, reused 1, pushed 0, pulled 1, failed 1');
    expect(ran.stderr).toContain('Step 2/2 : COPY missing-file /'); // the build log went to stderr
  });

  it('says what to do without a registry to push to or an engine (exit 2)', async () => {
    vi.stubEnv('MXN_REGISTRY', '');
    const noRegistry = await mxn('build', file(), '--push');
    expect(noRegistry.code).toBe(2);
    expect(noRegistry.stderr).toContain('no registry to push model images to');
    expect(noRegistry.stderr).toContain('hint: set MXN_REGISTRY (e.g. myacr.azurecr.io) or pass --registry HOST');

    vi.stubEnv('MXN_CONTAINER_ENGINE', `no-such-engine-${suffix}`);
    const noEngine = await mxn('build', file());
    expect(noEngine.code).toBe(2);
    expect(noEngine.stderr).toContain(`no container engine answers (no-such-engine-${suffix})`);
    expect(noEngine.stderr).toContain('hint: start Docker or Podman, or use --runtime process');

    const usage = await mxn('build');
    expect(usage.code).toBe(2);
    expect((await mxn('build', '--help')).stdout).toContain('usage: mxn build <experiment.yaml>');
  });
});
