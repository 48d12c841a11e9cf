// The offline base images: which pins the Python image serves, the build lock, and (with an engine)
// that both images work without a network and are built once.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_IMAGE_LABEL, FALLBACK_PYTHON_REQUIREMENTS, ensureBaseImages, pythonRequirements, withLock } from './base-images.js';
import { skipWithoutDocker } from './engine.js';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'mxn-base-images-test-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('pythonRequirements', () => {
  it("collects every model's pins, sorted and de-duplicated, without mxn-model-kit, options, paths or comments", async () => {
    const root = path.join(scratch, 'repo');
    await mkdir(path.join(root, 'models/a'), { recursive: true });
    await mkdir(path.join(root, 'models/b'), { recursive: true });
    await mkdir(path.join(root, 'models/node-only'), { recursive: true });
    await writeFile(
      path.join(root, 'models/a/requirements.txt'),
      '# the model\nnumpy==2.2.6\npandas == 2.3.3  # with spaces\nmxn-model-kit\n\n',
    );
    await writeFile(
      path.join(root, 'models/b/requirements.txt'),
      'numpy==2.2.6\nscikit-learn[extra]>=1.9,<2\n-r more.txt\n./wheels/x-1.0-py3-none-any.whl\nmxn_model_kit @ file:///kit\n',
    );
    const { pins, files } = await pythonRequirements(root);
    expect(pins).toEqual(['numpy==2.2.6', 'pandas==2.3.3', 'scikit-learn[extra]>=1.9,<2']);
    expect(files.map((file) => path.relative(root, file))).toEqual(['models/a/requirements.txt', 'models/b/requirements.txt']);
  });

  it('falls back to the demo pins when no model has a requirements.txt', async () => {
    const root = path.join(scratch, 'empty');
    await mkdir(path.join(root, 'models/ridge'), { recursive: true });
    expect((await pythonRequirements(root)).pins).toEqual([...FALLBACK_PYTHON_REQUIREMENTS]);
  });
});

describe('the base image lock', () => {
  it('lets one holder work at a time', async () => {
    const file = path.join(scratch, 'one-at-a-time.lock');
    const events: string[] = [];
    const holder = (name: string) =>
      withLock(
        file,
        () => undefined,
        async () => {
          events.push(`${name} in`);
          await new Promise((resolve) => setTimeout(resolve, 300));
          events.push(`${name} out`);
        },
      );
    await Promise.all([holder('a'), holder('b')]);
    expect(events).toHaveLength(4);
    expect(events[0]?.endsWith(' in') && events[1]?.endsWith(' out') && events[2]?.endsWith(' in')).toBe(true);
    await expect(stat(file)).rejects.toThrow(); // released
  });

  it('breaks a lock whose holder is gone, and waits for a live one', async () => {
    const file = path.join(scratch, 'stale.lock');
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(file, JSON.stringify({ pid: gone, host: (await import('node:os')).hostname() }));
    let ran = false;
    await withLock(
      file,
      () => undefined,
      async () => {
        ran = true;
      },
    );
    expect(ran).toBe(true);

    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      await writeFile(file, JSON.stringify({ pid: live.pid, host: (await import('node:os')).hostname() }));
      const lines: string[] = [];
      const started = Date.now();
      const waiting = withLock(
        file,
        (line) => lines.push(line),
        async () => Date.now() - started,
      );
      setTimeout(() => void rm(file, { force: true }), 1200); // the holder releases it
      expect(await waiting).toBeGreaterThanOrEqual(1000);
      expect(lines.join('\n')).toMatch(/waiting for another process/);
    } finally {
      live.kill();
    }
  });
});

describe.skipIf(skipWithoutDocker())('ensureBaseImages', () => {
  const docker = (...args: string[]) => spawnSync('docker', args, { encoding: 'utf8', timeout: 120_000 });
  const imageId = (image: string) => docker('image', 'inspect', '--format', '{{.Id}}', image).stdout.trim();
  const lines: string[] = [];

  beforeAll(async () => {
    // The test setup has usually built them already; from scratch this takes about a minute.
    await ensureBaseImages({ log: (line) => lines.push(line) });
  }, 900_000);

  it("builds node:20-slim from the host's Node.js: node, npm and /bin/sh work without a network", () => {
    const run = docker('run', '--rm', '--network', 'none', 'node:20-slim', 'node', '-e', 'console.log(process.version)');
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe(process.version);
    const npm = docker(
      'run',
      '--rm',
      '--network',
      'none',
      'node:20-slim',
      'sh',
      '-c',
      'npm --version && npx --version && ls /etc/ssl/certs/ca-certificates.crt',
    );
    expect(npm.status, npm.stderr).toBe(0);
    expect(npm.stdout).toMatch(/^\d+\.\d+\.\d+\n\d+\.\d+\.\d+\n\/etc\/ssl\/certs\/ca-certificates.crt\n$/);
  });

  it(
    'builds python:3.11-slim with the pinned packages preinstalled: they import, ' +
      'and pip finds every requirement satisfied without a network',
    async () => {
      const run = docker(
        'run',
        '--rm',
        '--network',
        'none',
        'python:3.11-slim',
        'python',
        '-c',
        "import pandas, pyarrow, sklearn, numpy.testing; print('ok', pandas.__version__)",
      );
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^ok \d/);
      const { pins } = await pythonRequirements(path.resolve(import.meta.dirname, '../../../..'));
      const pip = docker(
        'run',
        '--rm',
        '--network',
        'none',
        'python:3.11-slim',
        'sh',
        '-c',
        `python -m pip --version && pip install --no-cache-dir ${pins.map((pin) => `'${pin}'`).join(' ')}`,
      );
      expect(pip.status, pip.stderr).toBe(0);
      expect(pip.stdout).toMatch(/^pip \d+.* \(python 3\.11\)/);
      for (const pin of pins) expect(pip.stdout).toContain(`Requirement already satisfied: ${pin.replace(/==.*/, '')}`);
    },
  );

  it('returns at once, building nothing, when the images are current', async () => {
    const before = ['node:20-slim', 'python:3.11-slim'].map(imageId);
    const labels = ['node:20-slim', 'python:3.11-slim'].map((image) =>
      docker('image', 'inspect', '--format', `{{index .Config.Labels "${BASE_IMAGE_LABEL}"}}`, image).stdout.trim(),
    );
    const again: string[] = [];
    const started = Date.now();
    await ensureBaseImages({ log: (line) => again.push(line) });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(again).toEqual([]);
    expect(['node:20-slim', 'python:3.11-slim'].map(imageId)).toEqual(before);
    for (const label of labels) expect(label).toMatch(/^[0-9a-f]{16}$/);
  });
});
