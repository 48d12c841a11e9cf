// Real virtual environments: pip installs from whatever index pip's own configuration names.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePythonEnv, lastLines, pythonKitDir, type PythonEnv } from './python-env.js';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const KIT_REQUIREMENTS = 'pandas==2.3.3\npyarrow==25.0.1\nmxn-model-kit\n';

describe('lastLines', () => {
  it('keeps pip’s ERROR lines when there are some, else the last lines, on one line', () => {
    expect(lastLines('Looking in indexes\nWARNING: retrying\nERROR: Could not find a version\nERROR: No matching distribution\n')).toBe(
      'ERROR: Could not find a version | ERROR: No matching distribution',
    );
    expect(lastLines('a\n\nb\nc\nd\n')).toBe('b | c | d');
    expect(lastLines('')).toBe('no output');
  });
});

describe('pythonKitDir', () => {
  it('finds the repo’s python folder above this package', async () => {
    expect(await pythonKitDir()).toBe(path.join(repoRoot, 'python'));
  });
});

describe('ensurePythonEnv', () => {
  let scratch: string;
  let cacheDir: string;
  const buildDir = (name: string) => path.join(scratch, 'models', name);
  async function model(name: string, requirements?: string): Promise<string> {
    const dir = buildDir(name);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'train.py'), 'print("hi")\n');
    if (requirements !== undefined) await writeFile(path.join(dir, 'requirements.txt'), requirements);
    return dir;
  }
  const python = (env: PythonEnv, code: string) =>
    run(path.join(env.binDir, 'python'), ['-c', code], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'mxn-python-env-'));
    cacheDir = path.join(scratch, 'venvs');
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('is undefined for a folder without requirements.txt', async () => {
    expect(await ensurePythonEnv(await model('node-model'), { cacheDir })).toBeUndefined();
    expect(existsSync(cacheDir)).toBe(false);
  });

  let kitEnv: PythonEnv;
  it('creates a venv once for concurrent callers, with the requirements installed and the kit linked, ' +
    'and writes nothing into the build folder', async () => {
    const dir = await model('gbr', `# the kit comes from this repo\n${KIT_REQUIREMENTS}`);
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const [first, second] = await Promise.all([ensurePythonEnv(dir, { cacheDir, log }), ensurePythonEnv(dir, { cacheDir, log })]);
    expect(first).toEqual(second);
    kitEnv = first!;
    expect(kitEnv).toMatchObject({ state: 'created', binDir: path.join(kitEnv.dir, 'bin') });
    expect(path.dirname(kitEnv.dir)).toBe(cacheDir);
    expect(await readdir(cacheDir)).toEqual([path.basename(kitEnv.dir)]); // no lock, no temporary folder
    expect(lines.filter((line) => line.includes('creating an environment') && line.includes(dir))).toHaveLength(1);

    const { stdout } = await python(
      kitEnv,
      'import mxn_model_kit, pandas, pyarrow; print(mxn_model_kit.__file__); print(pandas.__version__)',
    );
    expect(stdout.trim().split('\n')).toEqual([path.join(repoRoot, 'python', 'mxn_model_kit', '__init__.py'), '2.3.3']);
    // Scripts name the final folder, not the temporary one the venv was built in, and so they run.
    expect((await readFile(path.join(kitEnv.binDir, 'pip'), 'utf8')).split('\n')[0]).toMatch(
      new RegExp(`^#!${kitEnv.binDir}/python[0-9.]*$`),
    );
    expect((await run(path.join(kitEnv.binDir, 'pip'), ['--version'])).stdout).toContain(kitEnv.dir);
    expect((await readdir(dir)).sort()).toEqual(['requirements.txt', 'train.py']);
  }, 600_000);

  it('reuses it on later calls, from any folder with the same requirements', async () => {
    const started = performance.now();
    expect(await ensurePythonEnv(buildDir('gbr'), { cacheDir })).toEqual({ ...kitEnv, state: 'reused' });
    expect(await ensurePythonEnv(await model('gbr-copy', KIT_REQUIREMENTS), { cacheDir })).toEqual({ ...kitEnv, state: 'reused' });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  let kitOnly: PythonEnv;
  it('makes a new venv when the requirements change', async () => {
    kitOnly = (await ensurePythonEnv(await model('kit-only', 'mxn_model_kit==0.1.0\n'), { cacheDir }))!;
    expect(kitOnly.state).toBe('created');
    expect(kitOnly.dir).not.toBe(kitEnv.dir);
    // The kit is linked, but pandas was not asked for: importing it says what to add.
    const failed = await python(kitOnly, 'import mxn_model_kit').catch((error: { stderr: string }) => error);
    expect((failed as { stderr: string }).stderr).toContain(
      "mxn_model_kit needs pandas and pyarrow: add them to the model's requirements.txt",
    );
  }, 120_000);

  it('fails with one line naming the folder and pip’s last lines, and leaves nothing behind', async () => {
    const dir = await model('broken', 'no-such-package-mxn==1.0\nmxn-model-kit\n');
    const before = (await readdir(cacheDir)).sort();
    const error = (await ensurePythonEnv(dir, { cacheDir }).catch((e: Error) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(`pip install -r ${path.join(dir, 'requirements.txt')} failed (exit 1): `);
    expect(error.message).toMatch(/no-such-package-mxn/);
    expect(error.message).not.toContain('\n');
    expect((await readdir(cacheDir)).sort()).toEqual(before);
  }, 300_000);

  it('takes over the lock and temporary folder of a process that died, and waits for a live one', async () => {
    const dir = buildDir('kit-only');
    await rm(kitOnly.dir, { recursive: true });
    const dead = await exitedPid();
    await mkdir(`${kitOnly.dir}.lock`);
    await writeFile(path.join(`${kitOnly.dir}.lock`, 'owner.json'), JSON.stringify({ pid: dead, host: hostname() }));
    await mkdir(`${kitOnly.dir}.tmp-${dead}-0000`);
    expect((await ensurePythonEnv(dir, { cacheDir }))?.state).toBe('created');
    expect((await readdir(cacheDir)).filter((name) => name.startsWith(path.basename(kitOnly.dir)))).toEqual([path.basename(kitOnly.dir)]);

    await rm(kitOnly.dir, { recursive: true });
    const holder = spawn('sleep', ['60']);
    try {
      await mkdir(`${kitOnly.dir}.lock`);
      await writeFile(path.join(`${kitOnly.dir}.lock`, 'owner.json'), JSON.stringify({ pid: holder.pid, host: hostname() }));
      const lines: string[] = [];
      let settled = false;
      const waiting = ensurePythonEnv(dir, { cacheDir, log: (line) => lines.push(line) }).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(settled).toBe(false);
      expect(lines).toEqual([`python: waiting for another process that is creating ${kitOnly.dir}`]);
      await rm(`${kitOnly.dir}.lock`, { recursive: true });
      expect((await waiting)?.state).toBe('created');
    } finally {
      holder.kill();
    }
  }, 120_000);

  it('stops pip when aborted and removes the half-made venv', async () => {
    const dir = await model('aborted', 'pandas==2.3.3\n');
    const before = (await readdir(cacheDir)).sort();
    const controller = new AbortController();
    const pending = ensurePythonEnv(dir, { cacheDir, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stopped by the test')), 1_000);
    await expect(pending).rejects.toThrow('stopped by the test');
    expect((await readdir(cacheDir)).sort()).toEqual(before);
  }, 60_000);

  it('names the interpreter it cannot run', async () => {
    const dir = await model('no-python', 'pandas\n');
    await expect(ensurePythonEnv(dir, { cacheDir, python: path.join(scratch, 'no-such-python') })).rejects.toThrow(
      `${dir} has a requirements.txt, but ${path.join(scratch, 'no-such-python')} was not found (set MXN_PYTHON to a Python 3 interpreter)`,
    );
  });
});

/** The pid of a process that has exited. */
function exitedPid(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('true');
    child.once('exit', () => resolve(child.pid!));
  });
}
