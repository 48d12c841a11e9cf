// The build path: tags from content, the registry asked first (a real docker-registry), and the
// `docker buildx build --push` call checked by its arguments (a recording runner, no Docker engine;
// local-images.test.ts builds with the real engine).
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashBuildContext } from '@mxn/core';
import { pushTestImage, skipWithoutRegistry, startRegistry, type RegistryHandle } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImages } from './build-images.js';
import { prepareBuildContext } from './build-context.js';
import type { CommandRunner } from './command-runner.js';
import type { ContainerEngine } from './engine.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dockerWithBuildx: ContainerEngine = { command: 'docker', kind: 'docker', version: 'test', buildx: true };

interface Call {
  command: string;
  args: string[];
  input?: string;
  context?: { files: string[]; packageJson: Record<string, unknown> };
}

/** Records docker calls (and what the build context held at that moment); fakes `npm pack` output. */
function recordingRunner(calls: Call[]): CommandRunner {
  return async (command, args, options = {}) => {
    const call: Call = { command, args, ...(options.input ? { input: options.input } : {}) };
    calls.push(call);
    if (command === 'npm') {
      const name = path.basename(args[1]!);
      const file = `mxn-${name}-0.1.0.tgz`;
      await writeFile(path.join(args[3]!, file), 'tarball');
      return { code: 0, stdout: JSON.stringify([{ filename: file }]), stderr: '' };
    }
    if (args[0] === 'buildx') {
      const dir = args.at(-1)!;
      const { readdir } = await import('node:fs/promises');
      call.context = {
        files: (await readdir(dir)).sort(),
        packageJson: JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>,
      };
    }
    return { code: 0, stdout: '', stderr: '' };
  };
}

describe.skipIf(skipWithoutRegistry())('buildImages against a real registry', () => {
  let registry: RegistryHandle;
  let models: string;
  beforeAll(async () => {
    registry = await startRegistry();
    models = await mkdtemp(path.join(tmpdir(), 'mxn-models-'));
    for (const name of ['ridge', 'knn']) await cp(path.join(repoRoot, 'models', name), path.join(models, name), { recursive: true });
  });
  afterAll(() => registry?.stop());

  it('skips a model whose tag is present, builds and pushes the other with its workspace packages packed in', async () => {
    const ridge = path.join(models, 'ridge');
    const knn = path.join(models, 'knn');
    const ridgeTag = (await hashBuildContext(ridge)).slice(0, 12);
    await pushTestImage(registry.url, 'ridge', ridgeTag);
    const calls: Call[] = [];
    const logs: string[] = [];
    const result = await buildImages({
      root: repoRoot,
      registry: registry.host,
      sources: [
        { name: 'ridge', buildDir: ridge },
        { name: 'knn', buildDir: knn },
      ],
      credentials: { kind: 'basic', username: 'ci-bot', password: 'registry-secret' },
      run: recordingRunner(calls),
      log: (line) => logs.push(line),
      engine: dockerWithBuildx,
    });
    const knnRef = `${registry.host}/knn:${(await hashBuildContext(knn)).slice(0, 12)}`;
    expect(result.statuses.map((status) => [status.name, status.state])).toEqual([
      ['ridge', 'present'],
      ['knn', 'built'],
    ]);
    expect(result.images).toEqual({ [ridge]: `${registry.host}/ridge:${ridgeTag}`, [knn]: knnRef });

    // (`docker image inspect` first asks the local engine, which answers nothing usable here)
    const docker = calls.filter((call) => call.command === 'docker' && call.args[0] !== 'image');
    expect(docker.map((call) => call.args.slice(0, 2))).toEqual([
      ['login', registry.host],
      ['buildx', 'build'],
    ]);
    expect(docker[0]!.input).toBe('registry-secret');
    expect(docker[0]!.args.join(' ')).not.toContain('registry-secret');
    const build = docker[1]!;
    expect(build.args.slice(0, 7)).toEqual(['buildx', 'build', '--push', '--platform', 'linux/amd64', '--tag', knnRef]);
    // model-kit is a direct dependency; @mxn/data and @mxn/errors come through it and are pinned with overrides
    expect(build.context!.files).toEqual(
      expect.arrayContaining([
        'Dockerfile',
        'train.js',
        'package.json',
        'mxn-model-kit-0.1.0.tgz',
        'mxn-data-0.1.0.tgz',
        'mxn-errors-0.1.0.tgz',
      ]),
    );
    expect(build.context!.packageJson.dependencies).toEqual({ '@mxn/model-kit': 'file:./mxn-model-kit-0.1.0.tgz' });
    expect(build.context!.packageJson.overrides).toEqual({
      '@mxn/data': 'file:./mxn-data-0.1.0.tgz',
      '@mxn/errors': 'file:./mxn-errors-0.1.0.tgz',
    });
    expect(existsSync(build.args.at(-1)!)).toBe(false); // the temporary context is removed
    expect(logs.join('\n')).not.toContain('registry-secret');

    // Once pushed, nothing is rebuilt.
    await pushTestImage(registry.url, 'knn', knnRef.split(':').pop()!);
    const again: Call[] = [];
    const second = await buildImages({
      root: repoRoot,
      registry: registry.host,
      sources: [
        { name: 'ridge', buildDir: ridge },
        { name: 'knn', buildDir: knn },
      ],
      run: recordingRunner(again),
      engine: dockerWithBuildx,
    });
    expect(second.statuses.every((status) => status.state === 'present')).toBe(true);
    expect(again).toEqual([]);
  });

  it('fails with the build step and exit code when docker buildx fails', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mxn-bad-'));
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    const failing: CommandRunner = async () => ({ code: 17, stdout: '', stderr: 'step 2\nERROR: failed to solve' });
    await expect(
      buildImages({
        root: repoRoot,
        registry: registry.host,
        sources: [{ name: 'bad', buildDir: dir }],
        run: failing,
        engine: dockerWithBuildx,
      }),
    ).rejects.toMatchObject({
      code: 'Build',
      message: expect.stringMatching(/^images: docker buildx build of \S*mxn-bad-\w+ failed \(exit 17\): ERROR: failed to solve\nstep 2$/),
    });
  });
});

describe('prepareBuildContext with hostile dependency links', () => {
  it('packs nothing a `node_modules/<name>` link leads to unless it is a package of that name (`x -> /` packs nothing)', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mxn-hostile-root-'));
    const model = path.join(root, 'models', 'm');
    await mkdir(model, { recursive: true });
    await writeFile(path.join(model, 'Dockerfile'), 'FROM x');
    const dependencies = { everything: '*', etc: '*', impostor: '*', real: '*' };
    await writeFile(path.join(model, 'package.json'), JSON.stringify({ name: 'm', dependencies }));
    const other = path.join(root, 'packages', 'other');
    const real = path.join(root, 'packages', 'real');
    for (const [dir, name] of [
      [other, 'not-impostor'],
      [real, 'real'],
    ] as const) {
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name }));
    }
    await mkdir(path.join(root, 'node_modules'));
    await symlink('/', path.join(root, 'node_modules', 'everything'));
    await symlink('/etc', path.join(root, 'node_modules', 'etc'));
    await symlink(other, path.join(root, 'node_modules', 'impostor'));
    await symlink(real, path.join(root, 'node_modules', 'real'));
    const calls: Call[] = [];
    const context = await prepareBuildContext(model, { root, run: recordingRunner(calls) });
    try {
      expect(calls.map((call) => call.args[1])).toEqual([await realpath(real)]);
      expect(Object.keys(context.packed)).toEqual(['real']);
    } finally {
      await context.cleanup();
    }
  });
});

describe('prepareBuildContext with the real npm pack', () => {
  it('packs @mxn/model-kit, @mxn/data and @mxn/errors as tarballs npm can install from', async () => {
    const context = await prepareBuildContext(path.join(repoRoot, 'models/knn'), { root: repoRoot });
    try {
      expect(Object.keys(context.packed).sort()).toEqual(['@mxn/data', '@mxn/errors', '@mxn/model-kit']);
      for (const file of Object.values(context.packed)) expect(existsSync(path.join(context.dir, file))).toBe(true);
      const manifest = JSON.parse(await readFile(path.join(context.dir, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      expect(manifest.dependencies['@mxn/model-kit']).toBe(`file:./${context.packed['@mxn/model-kit']}`);
      expect(existsSync(path.join(context.dir, 'node_modules'))).toBe(false);
    } finally {
      await context.cleanup();
    }
    expect(existsSync(context.dir)).toBe(false);
  });
});
