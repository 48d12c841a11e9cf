// Images in the real local engine (docker on this machine; no buildx, so the `docker build` path) and
// a real registry (docker-registry on loopback): FROM-scratch images need no base image and no network.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clearBuildContextHashes, hashBuildContext } from '@mxn/core';
import { skipWithoutDocker, skipWithoutRegistry, startRegistry, type RegistryHandle } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPythonKit, prepareBuildContext } from './build-context.js';
import { spawnCommand, type CommandRunner } from './command-runner.js';
import { detectEngine, type ContainerEngine } from './engine.js';
import { ImagesError } from './errors.js';
import { findImage } from './registry-client.js';
import { ensureImage, ensurePrebuiltImage } from './local-images.js';

function docker(...args: string[]): string {
  const result = spawnSync('docker', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** The real runner, recording every command (and counting image builds). */
function recording(): { run: CommandRunner; calls: string[][]; builds: () => string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run: (command, args, options) => {
      calls.push([command, ...args]);
      return spawnCommand(command, args, options);
    },
    builds: () => calls.filter((call) => call[1] === 'build' || (call[1] === 'buildx' && call[2] === 'build')),
  };
}

const skip = skipWithoutDocker();

describe.skipIf(skip)('ensureImage with the local engine', () => {
  let engine: ContainerEngine;
  let root: string;
  const suffix = randomUUID().slice(0, 8);
  const made = new Set<string>();

  beforeAll(async () => {
    engine = (await detectEngine())!;
    root = await mkdtemp(path.join(tmpdir(), 'mxn-local-images-'));
  });
  afterAll(() => {
    for (const ref of made) spawnSync('docker', ['rmi', '-f', ref], { stdio: 'ignore' });
  });

  async function model(name: string, files: Record<string, string>): Promise<string> {
    const dir = path.join(root, 'models', name);
    await mkdir(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    return dir;
  }

  it('detects this machine’s engine', () => {
    expect(engine).toMatchObject({ command: 'docker', kind: 'docker' });
    expect(engine.version).toMatch(/^\d+\.\d+/);
    expect(typeof engine.buildx).toBe('boolean');
  });

  it('builds a folder once: the tag is its content hash, a second call skips the build, concurrent callers share one build', async () => {
    const dir = await model(`tiny-${suffix}`, { Dockerfile: 'FROM scratch\nCOPY hello.txt /\n', 'hello.txt': `hello ${suffix}\n` });
    const tag = (await hashBuildContext(dir)).slice(0, 12);
    const recorder = recording();
    const noBuildx = { ...engine, buildx: false };
    const logs: string[] = [];
    const options = { engine: noBuildx, root, registry: '', run: recorder.run, log: (line: string) => logs.push(line) };
    const [first, concurrent] = await Promise.all([
      ensureImage({ name: `Tiny-${suffix}`, buildDir: dir }, options),
      ensureImage({ name: `Tiny-${suffix}`, buildDir: dir }, options),
    ]);
    made.add(first.ref);
    expect(first).toMatchObject({ name: `Tiny-${suffix}`, buildDir: dir, ref: `mxn/tiny-${suffix}:${tag}`, state: 'built', built: true });
    expect(first.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(concurrent).toBe(first);
    // buildx absent: the engine's own `docker build`, tagged with the content hash
    expect(recorder.builds()).toEqual([
      [
        'docker',
        'build',
        '--force-rm',
        '--tag',
        first.ref,
        ...(engine.bridgeNetwork === false ? ['--network', 'host'] : []),
        expect.stringContaining('mxn-image-'),
      ],
    ]);
    expect(logs.join('\n')).toContain(`${first.ref}: building models/tiny-${suffix}`);
    expect(docker('image', 'inspect', '--format', '{{.Id}}', first.ref).trim()).toBe(first.id);

    const started = performance.now();
    const second = await ensureImage({ name: `Tiny-${suffix}`, buildDir: dir }, options);
    const elapsed = performance.now() - started;
    expect(second).toEqual({ name: `Tiny-${suffix}`, buildDir: dir, ref: first.ref, state: 'reused', id: first.id });
    expect(recorder.builds()).toHaveLength(1);
    console.info(`images: a no-op ensureImage on a present tag took ${elapsed.toFixed(0)} ms`);
  });

  it('gives --network host to builds when the engine has no bridge network (MXN_BUILD_NETWORK=default turns it off)', async () => {
    const dir = await model(`net-${suffix}`, { Dockerfile: 'FROM scratch\nCOPY a.txt /\n', 'a.txt': suffix });
    const recorder = recording();
    const bridgeless = { ...engine, buildx: false, bridgeNetwork: false };
    const built = await ensureImage(
      { name: `net-${suffix}`, buildDir: dir },
      { engine: bridgeless, root, registry: '', run: recorder.run, force: true },
    );
    made.add(built.ref);
    expect(recorder.builds()[0]).toEqual(['docker', 'build', '--force-rm', '--tag', built.ref, '--network', 'host', expect.any(String)]);
    const again = await ensureImage(
      { name: `net-${suffix}`, buildDir: dir },
      { engine: bridgeless, root, registry: '', run: recorder.run, force: true, buildNetwork: 'default' },
    );
    expect(again.state).toBe('built');
    expect(recorder.builds()[1]).toEqual(['docker', 'build', '--force-rm', '--tag', built.ref, expect.any(String)]);
  });

  it('a failing build throws one readable first line with the build log tail after it', async () => {
    const dir = await model(`bad-${suffix}`, { Dockerfile: 'FROM scratch\nCOPY missing-file /\n' });
    const error = await ensureImage(
      { name: `bad-${suffix}`, buildDir: dir },
      { engine: { ...engine, buildx: false }, root, registry: '' },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImagesError);
    expect((error as ImagesError).code).toBe('Build');
    const [first, ...tail] = (error as ImagesError).message.split('\n');
    expect(first).toMatch(new RegExp(`^images: docker build of models/bad-${suffix} failed \\(exit 1\\): COPY failed: .*missing-file`));
    expect(tail.length).toBeGreaterThan(0);
    expect(tail.length).toBeLessThanOrEqual(15);
    expect(tail.join('\n')).toContain('COPY missing-file /');
    expect((error as Error).message).not.toContain('DEPRECATED');
  });

  it('a missing build folder or engine CLI is one clear error', async () => {
    await expect(
      ensureImage({ name: 'nowhere', buildDir: path.join(root, 'models/nowhere') }, { engine, root, registry: '' }),
    ).rejects.toThrow(/^images: build folder models\/nowhere does not exist$/);
    const bare = await model(`bare-${suffix}`, { 'train.py': '' });
    await expect(ensureImage({ name: 'bare', buildDir: bare }, { engine, root, registry: '' })).rejects.toThrow(
      new RegExp(`^images: models/bare-${suffix} has no Dockerfile to build mxn/bare:[0-9a-f]{12} from$`),
    );
    const dir = await model(`noengine-${suffix}`, { Dockerfile: 'FROM scratch\n', 'x.txt': suffix });
    await expect(
      ensureImage({ name: 'x', buildDir: dir }, { engine: { ...engine, command: 'no-such-engine-cli' }, root, registry: '' }),
    ).rejects.toMatchObject({ code: 'Engine', message: 'images: cannot run no-such-engine-cli: it is not installed or not on the PATH' });
  });

  it('vendors the Python kit into the image when requirements.txt names it', async () => {
    const kit = path.join(root, 'python', 'mxn_model_kit');
    await mkdir(path.join(kit, '__pycache__'), { recursive: true });
    await writeFile(path.join(kit, '__init__.py'), `VERSION = "${suffix}"\n`);
    await writeFile(path.join(kit, '__pycache__', '__init__.cpython-311.pyc'), 'bytecode');
    const dir = await model(`py-${suffix}`, {
      Dockerfile: 'FROM scratch\nCOPY . /model/\n',
      'train.py': 'import mxn_model_kit\n',
      'requirements.txt': 'numpy==2.1.0\nmxn-model-kit==0.1.0  # the kit\npandas\n',
    });
    const logs: string[] = [];
    const outcome = await ensureImage(
      { name: `py-${suffix}`, buildDir: dir },
      { engine: { ...engine, buildx: false }, root, registry: '', log: (line) => logs.push(line) },
    );
    made.add(outcome.ref);
    expect(outcome.state).toBe('built');
    expect(logs.join('\n')).toContain('(with mxn_model_kit packed in)');
    const container = docker('create', outcome.ref, 'none').trim();
    try {
      expect(docker('cp', `${container}:/model/mxn_model_kit/__init__.py`, '-')).toContain(`VERSION = "${suffix}"`);
      expect(docker('cp', `${container}:/model/requirements.txt`, '-')).toContain('pandas');
      expect(docker('cp', `${container}:/model/requirements.txt`, '-')).not.toContain('mxn-model-kit');
      expect(spawnSync('docker', ['cp', `${container}:/model/mxn_model_kit/__pycache__`, '-']).status).not.toBe(0);
    } finally {
      docker('rm', container);
    }
  });
});

describe.skipIf(skip || skipWithoutRegistry())('ensureImage and ensurePrebuiltImage with a registry', () => {
  let engine: ContainerEngine;
  let registry: RegistryHandle;
  let root: string;
  const suffix = randomUUID().slice(0, 8);
  const made = new Set<string>();

  beforeAll(async () => {
    engine = { ...(await detectEngine())!, buildx: false };
    registry = await startRegistry();
    root = await mkdtemp(path.join(tmpdir(), 'mxn-local-registry-'));
  });
  afterAll(async () => {
    for (const ref of made) spawnSync('docker', ['rmi', '-f', ref], { stdio: 'ignore' });
    await registry?.stop();
  });

  it('pushes a built image (state pushed), then finds it in the registry (reused) without building', async () => {
    const dir = path.join(root, 'models', 'pushme');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY a.txt /\n');
    await writeFile(path.join(dir, 'a.txt'), `push ${suffix}\n`);
    const recorder = recording();
    const options = { engine, root, registry: registry.host, run: recorder.run };

    // Built locally first (not pushed), then pushed as it is: no second build.
    const local = await ensureImage({ name: 'pushme', buildDir: dir }, options);
    made.add(local.ref);
    expect(local).toMatchObject({ ref: `${registry.host}/pushme:${(await hashBuildContext(dir)).slice(0, 12)}`, state: 'built' });
    expect((await findImage(local.ref)).exists).toBe(false);
    const pushed = await ensureImage({ name: 'pushme', buildDir: dir }, { ...options, push: true });
    expect(pushed).toMatchObject({ ref: local.ref, state: 'pushed', id: local.id });
    expect(pushed.built).toBeUndefined();
    expect(recorder.builds()).toHaveLength(1);
    const found = await findImage(local.ref);
    expect(found.exists).toBe(true);
    expect(pushed.digest).toBe(found.digest);

    const again = await ensureImage({ name: 'pushme', buildDir: dir }, { ...options, push: true });
    expect(again).toMatchObject({ ref: local.ref, state: 'reused', digest: found.digest });
    expect(recorder.calls.slice(-1)[0]).toEqual(['docker', 'push', local.ref]); // nothing ran for the reuse

    // A changed folder: built and pushed in one call.
    await writeFile(path.join(dir, 'a.txt'), `push ${suffix} v2\n`);
    clearBuildContextHashes();
    const changed = await ensureImage({ name: 'pushme', buildDir: dir }, { ...options, push: true });
    made.add(changed.ref);
    expect(changed).toMatchObject({ state: 'pushed', built: true });
    expect(changed.ref).not.toBe(local.ref);
    expect((await findImage(changed.ref)).exists).toBe(true);
  });

  it('pushing needs a registry', async () => {
    await expect(ensureImage({ name: 'x', buildDir: root }, { engine, root, registry: '', push: true })).rejects.toMatchObject({
      code: 'Config',
      hint: expect.stringContaining('MXN_REGISTRY'),
    });
  });

  it('pulls a prebuilt image once and keys it by its repo digest', async () => {
    const dir = path.join(root, 'prebuilt');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY b.txt /\n');
    await writeFile(path.join(dir, 'b.txt'), `prebuilt ${suffix}\n`);
    const ref = `${registry.host}/prebuilt-${suffix}:v1`;
    made.add(ref);
    docker('build', '--tag', ref, dir);
    docker('push', ref);
    const digest = (await findImage(ref)).digest!;
    docker('rmi', ref);

    const recorder = recording();
    const pulled = await ensurePrebuiltImage(ref, { engine, run: recorder.run });
    expect(pulled).toEqual({ name: ref, ref, state: 'pulled', id: `${registry.host}/prebuilt-${suffix}@${digest}` });
    expect(recorder.calls.filter((call) => call[1] === 'pull')).toEqual([['docker', 'pull', ref]]);
    const again = await ensurePrebuiltImage(ref, { engine, run: recorder.run });
    expect(again).toEqual({ ...pulled, state: 'reused' });
    expect(recorder.calls.filter((call) => call[1] === 'pull')).toHaveLength(1);

    await expect(ensurePrebuiltImage(`${registry.host}/absent-${suffix}:v1`, { engine })).rejects.toMatchObject({
      code: 'Pull',
      message: expect.stringMatching(new RegExp(`^images: docker pull of ${registry.host}/absent-${suffix}:v1 failed \\(exit 1\\): .+`)),
    });
  });
});

describe('build contexts', () => {
  it('finds python/mxn_model_kit above the root, and fails in one line when there is none', async () => {
    const repo = await mkdtemp(path.join(tmpdir(), 'mxn-kit-repo-'));
    await mkdir(path.join(repo, 'python', 'mxn_model_kit'), { recursive: true });
    await writeFile(path.join(repo, 'python', 'mxn_model_kit', '__init__.py'), '');
    await writeFile(
      path.join(repo, 'python', 'pyproject.toml'),
      '[project]\nname = "mxn-model-kit"\ndependencies = [\n  "pandas>=1.5",\n  "pyarrow>=10",\n' +
        '  \'Scikit_Learn>=1\',\n]\n\n[tool.setuptools]\npackages = ["mxn_model_kit"]\n',
    );
    const project = path.join(repo, 'examples', 'project');
    const dir = path.join(project, 'models', 'py');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'requirements.txt'), 'mxn_model_kit\r\nscikit-learn==1.5.0\r\n');
    expect(await findPythonKit([project])).toBe(path.join(repo, 'python', 'mxn_model_kit'));
    const context = await prepareBuildContext(dir, { root: project });
    try {
      expect(context.pythonKit).toBe(path.join(repo, 'python', 'mxn_model_kit'));
      expect(await readdir(path.join(context.dir, 'mxn_model_kit'))).toEqual(['__init__.py']);
      // the kit's own dependencies are added unless the model names them (scikit-learn)
      expect(await readFile(path.join(context.dir, 'requirements.txt'), 'utf8')).toBe(
        'scikit-learn==1.5.0\r\n# dependencies of mxn-model-kit (vendored as mxn_model_kit/)\r\npandas>=1.5\r\npyarrow>=10\r\n',
      );
      expect(await readFile(path.join(dir, 'requirements.txt'), 'utf8')).toContain('mxn_model_kit'); // the model folder is untouched
    } finally {
      await context.cleanup();
    }

    const lonely = await mkdtemp(path.join(tmpdir(), 'mxn-kit-none-'));
    await mkdir(path.join(lonely, 'models', 'py'), { recursive: true });
    await writeFile(path.join(lonely, 'models', 'py', 'requirements.txt'), 'mxn-model-kit\n');
    const error = await prepareBuildContext(path.join(lonely, 'models', 'py'), {
      root: lonely,
      pythonKit: path.join(lonely, 'nowhere'),
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'Pack' });
    expect((error as Error).message).toBe(
      `images: models/py/requirements.txt names mxn-model-kit, but ${path.join(lonely, 'nowhere')} is not a folder`,
    );
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });

  it('vendors the repository’s own kit into a Python model folder (python/mxn_model_kit)', async () => {
    const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
    const kit = path.join(repoRoot, 'python', 'mxn_model_kit');
    const scratch = await mkdtemp(path.join(tmpdir(), 'mxn-kit-real-'));
    await writeFile(path.join(scratch, 'requirements.txt'), 'pandas==2.3.3\nmxn-model-kit\n');
    await writeFile(path.join(scratch, 'Dockerfile'), 'FROM scratch\n');
    if (!existsSync(kit)) return; // (the kit is written alongside this package)
    const context = await prepareBuildContext(scratch, { root: repoRoot });
    try {
      expect(context.pythonKit).toBe(kit);
      const files = await readdir(path.join(context.dir, 'mxn_model_kit'));
      expect(files).toContain('__init__.py');
      expect(files).not.toContain('__pycache__');
      const requirements = await readFile(path.join(context.dir, 'requirements.txt'), 'utf8');
      expect(requirements).not.toMatch(/^mxn-model-kit/m);
      expect(requirements).toMatch(/^pandas==2\.3\.3$/m);
    } finally {
      await context.cleanup();
    }
  });

  it('never runs a packed workspace package’s scripts (npm pack --ignore-scripts)', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mxn-pack-scripts-'));
    const evil = path.join(root, 'models', 'evil');
    await mkdir(evil, { recursive: true });
    const marker = path.join(root, 'prepack-ran');
    const script = `node -e "require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')"`;
    await writeFile(
      path.join(evil, 'package.json'),
      JSON.stringify({ name: '@evil/pkg', version: '1.0.0', scripts: { prepack: script, prepare: script, postpack: script } }),
    );
    await writeFile(path.join(evil, 'index.js'), 'export {};\n');
    await mkdir(path.join(root, 'node_modules', '@evil'), { recursive: true });
    await symlink(evil, path.join(root, 'node_modules', '@evil', 'pkg'));
    const model = path.join(root, 'models', 'victim');
    await mkdir(model, { recursive: true });
    await writeFile(path.join(model, 'package.json'), JSON.stringify({ name: 'victim', dependencies: { '@evil/pkg': '*' } }));
    const context = await prepareBuildContext(model, { root });
    try {
      expect(context.packed).toEqual({ '@evil/pkg': 'evil-pkg-1.0.0.tgz' });
      expect(existsSync(marker)).toBe(false);
    } finally {
      await context.cleanup();
    }
  });
});

describe('Podman', () => {
  it('pulls from a loopback registry over plain HTTP and builds with podman build (no buildx, no DOCKER_BUILDKIT)', async () => {
    const calls: Array<{ args: string[]; env?: NodeJS.ProcessEnv }> = [];
    let pulled = false;
    const run: CommandRunner = async (_command, args, options = {}) => {
      calls.push({ args, ...(options.env ? { env: options.env } : {}) });
      if (args[0] === 'pull') pulled = true;
      if (args[0] === 'image' && pulled)
        return {
          code: 0,
          stdout: JSON.stringify([{ Id: 'ab'.repeat(32), RepoDigests: [`127.0.0.1:5000/model@sha256:${'cd'.repeat(32)}`] }]),
          stderr: '',
        };
      if (args[0] === 'build') return { code: 0, stdout: '', stderr: '' };
      return { code: args[0] === 'pull' ? 0 : 125, stdout: '', stderr: 'no such image' };
    };
    const podman: ContainerEngine = { command: 'podman', kind: 'podman', version: '4.3.1', buildx: true };
    const outcome = await ensurePrebuiltImage('127.0.0.1:5000/model:v1', { engine: podman, run });
    expect(outcome).toMatchObject({ state: 'pulled', id: `127.0.0.1:5000/model@sha256:${'cd'.repeat(32)}` });
    expect(calls.find((call) => call.args[0] === 'pull')!.args).toEqual(['pull', '--tls-verify=false', '127.0.0.1:5000/model:v1']);

    const root = await mkdtemp(path.join(tmpdir(), 'mxn-podman-'));
    await writeFile(path.join(root, 'Containerfile'), 'FROM scratch\n');
    pulled = false;
    const built = await ensureImage({ name: 'pm', buildDir: root }, { engine: podman, root, registry: '', run });
    expect(built.state).toBe('built');
    const build = calls.find((call) => call.args[0] === 'build')!;
    expect(build.args.slice(0, 4)).toEqual(['build', '--force-rm', '--tag', built.ref]);
    expect(build.env).toBeUndefined();
  });
});
