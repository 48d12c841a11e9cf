// The build-images step with the real engine (no buildx on this machine: `docker build` + `docker
// push`) and a real registry (docker-registry on loopback): what the registry lacks is built and
// pushed, a second run builds nothing, a failing folder fails the step after the others are pushed.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { access, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findImage, spawnCommand, type CommandRunner } from '@mxn/images';
import { skipWithoutDocker, skipWithoutRegistry, startRegistry, type RegistryHandle } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImagesStep } from './build-images-step.js';

describe.skipIf(skipWithoutDocker() || skipWithoutRegistry())('buildImagesStep', () => {
  let registry: RegistryHandle;
  let root: string;
  const suffix = randomUUID().slice(0, 8);
  const refs = new Set<string>();

  beforeAll(async () => {
    registry = await startRegistry();
    root = await mkdtemp(path.join(tmpdir(), 'mxn-build-step-'));
    await mkdir(path.join(root, 'experiments'));
    for (const name of ['one', 'two']) {
      await mkdir(path.join(root, 'models', name), { recursive: true });
      await writeFile(path.join(root, 'models', name, 'Dockerfile'), 'FROM scratch\nCOPY model.txt /\n');
      await writeFile(path.join(root, 'models', name, 'model.txt'), `${name} ${suffix}\n`);
    }
    await mkdir(path.join(root, 'models', 'bad'));
    await writeFile(path.join(root, 'models', 'bad', 'Dockerfile'), 'FROM scratch\nCOPY missing-file /\n');
    const models = (names: string[]) => names.map((name) => `  - { name: ${name}, build: models/${name}, command: [run] }`).join('\n');
    const experiment = (name: string, names: string[]) =>
      `name: ${name}\ndatasets:\n  - { name: seoul, train: data/housing/seoul.parquet }\nmodels:\n${models(names)}\n` +
      `  - { name: pre, image: example.invalid/never-pulled:v1, command: [run] }\nevaluation: { target: price, metrics: [rmse] }\n`;
    await writeFile(path.join(root, 'experiments', 'good.yaml'), experiment('good', ['one', 'two']));
    await writeFile(path.join(root, 'experiments', 'mixed.yaml'), experiment('mixed', ['bad', 'one']));
  });
  afterAll(async () => {
    for (const ref of refs) spawnSync('docker', ['rmi', '-f', ref], { stdio: 'ignore' });
    await registry?.stop();
  });

  it('builds and pushes what the registry lacks (prebuilt images are left to the backend), then builds nothing', async () => {
    const calls: string[][] = [];
    const run: CommandRunner = (command, args, options) => {
      calls.push([command, ...args]);
      return spawnCommand(command, args, options);
    };
    const first = await buildImagesStep({ root, experiments: ['experiments/good.yaml'], registry: registry.host, run });
    for (const outcome of first.outcomes) refs.add(outcome.ref!);
    expect(first.built).toBe(2);
    expect(first.outcomes.map((outcome) => [outcome.name, outcome.state])).toEqual([
      ['one', 'pushed'],
      ['two', 'pushed'],
    ]);
    expect(Object.keys(first.images).sort()).toEqual([path.join(root, 'models/one'), path.join(root, 'models/two')]);
    for (const ref of Object.values(first.images)) expect((await findImage(ref)).exists, ref).toBe(true);
    const docker = calls.filter(
      (call) => call[0] === 'docker' && ['build', 'buildx', 'push', 'pull'].includes(call[1]!) && call[2] !== 'version',
    );
    expect(docker.map((call) => call.slice(0, 2).join(' ')).sort()).toEqual(['docker build', 'docker build', 'docker push', 'docker push']);
    expect(docker.find((call) => call[1] === 'build')).toContain('linux/amd64'); // the Batch nodes' platform

    const second = await buildImagesStep({ root, experiments: ['experiments/good.yaml'], registry: registry.host });
    expect(second.built).toBe(0);
    expect(second.outcomes.every((outcome) => outcome.state === 'reused')).toBe(true);
    expect(second.images).toEqual(first.images);
  });

  it('fails once, naming the folder and the build error, after pushing the folders that built', async () => {
    const error = await buildImagesStep({ root, experiments: ['experiments/mixed.yaml'], registry: registry.host }).catch(
      (caught: unknown) => caught,
    );
    expect((error as Error).message).toMatch(
      /^images: 1 of 2 images failed: models\/bad: docker build of models\/bad failed \(exit 1\): COPY failed: .*missing-file/,
    );
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });

  it('needs a registry', async () => {
    const saved = process.env.MXN_REGISTRY;
    delete process.env.MXN_REGISTRY;
    try {
      await expect(buildImagesStep({ root, experiments: ['experiments/good.yaml'] })).rejects.toMatchObject({
        code: 'Config',
        hint: expect.stringContaining('MXN_REGISTRY'),
      });
    } finally {
      if (saved !== undefined) process.env.MXN_REGISTRY = saved;
    }
  });
});

describe('buildImagesStep for an untrusted pull request', () => {
  it('refuses a build folder that is a symlink leaving the project, before anything is copied or run', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'mxn-outside-'));
    await writeFile(path.join(outside, 'Dockerfile'), 'FROM scratch\nCOPY . /\n');
    const root = await mkdtemp(path.join(tmpdir(), 'mxn-build-fork-'));
    await mkdir(path.join(root, 'models'), { recursive: true });
    await mkdir(path.join(root, 'experiments'));
    await symlink(outside, path.join(root, 'models', 'away'));
    await writeFile(
      path.join(root, 'experiments', 'away.yaml'),
      'name: away\ndatasets:\n  - { name: seoul, train: data/housing/seoul.parquet }\n' +
        'models:\n  - { name: away, build: models/away, command: [run] }\nevaluation: { target: price, metrics: [rmse] }\n',
    );
    const calls: string[][] = [];
    const run: CommandRunner = (command, args, options) => {
      calls.push([command, ...args]);
      return spawnCommand(command, args, options);
    };
    const engine = { command: 'docker', kind: 'docker' as const, version: 'test', buildx: false };
    const step = (untrusted: boolean) =>
      buildImagesStep({ root, experiments: ['experiments/away.yaml'], registry: '127.0.0.1:9', engine, run, untrusted });
    await expect(step(true)).rejects.toThrow(/models\/away/);
    expect(calls).toEqual([]);
    // nothing of the folder was packed into a build context (mxn keeps those under .mxn)
    await expect(access(path.join(root, '.mxn'))).rejects.toThrow();
  });
});
