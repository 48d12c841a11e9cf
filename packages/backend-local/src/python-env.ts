/**
 * Python environments for the process runtime: one virtual environment per distinct
 * `requirements.txt` (and interpreter), made once under a cache folder and reused by every cell and
 * every later run. The repo's Python model kit is linked in with a `.pth` file instead of installed.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '@mxn/async';
import { PYTHON_KIT_NAME, requiresModelKit } from '@mxn/core';
import { findPythonKit } from '@mxn/images';

/** A ready virtual environment. */
export interface PythonEnv {
  /** The venv folder. */
  dir: string;
  /** Its bin folder, to put first on PATH. */
  binDir: string;
  /** `created` by this call, or `reused` from an earlier one (or another process). */
  state: 'created' | 'reused';
}

export interface PythonEnvOptions {
  /** Where venvs live, e.g. `<project>/.mxn/venvs`. */
  cacheDir: string;
  /** Python to create venvs with. Default: the `MXN_PYTHON` variable, else `python3`. */
  python?: string;
  /** Progress lines (creating, waiting for another process, ready). */
  log?: (line: string) => void;
  /** Aborting stops pip and removes the half-made venv. */
  signal?: AbortSignal;
}

/** Written into a venv last, before it is renamed into place: a folder without it is not a finished venv. */
const MARKER = 'mxn-env.json';
const LOCK_POLL_MS = 500;
/** A lock folder whose owner never wrote its owner file is abandoned after this long. */
const UNOWNED_LOCK_MS = 60_000;

/** Creations under way in this process, by venv folder: concurrent callers share one. */
const inFlight = new Map<string, Promise<PythonEnv>>();
const interpreters = new Map<string, Promise<Interpreter>>();

/**
 * The Python environment for a model folder: `undefined` when `buildDir` has no `requirements.txt`.
 * Otherwise creates, once, a venv under `cacheDir` keyed by a hash of the requirements, the Python
 * version and the kit's location, and reuses it afterwards. Concurrent calls for the same key share
 * one creation (in this process through a memo, across processes through a lock folder); a venv is
 * built in a temporary folder next to its final place and renamed there when complete, so a failure
 * or crash leaves no half-made venv that could be mistaken for a finished one.
 *
 * Lines naming `mxn-model-kit` (bare, pinned, `@ url`, `mxn_model_kit`) are not given to pip: the venv
 * gets a `.pth` file pointing at `pythonKitDir()` instead. pip runs as
 * `<venv>/bin/python -m pip install -r …` with its own configuration (index, proxies, certificates).
 * Nothing is written into `buildDir`.
 */
export async function ensurePythonEnv(buildDir: string, options: PythonEnvOptions): Promise<PythonEnv | undefined> {
  const requirementsFile = path.join(buildDir, 'requirements.txt');
  const text = await readFile(requirementsFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${requirementsFile}: ${error.code ?? error.message}`);
  });
  if (text === undefined) return undefined;

  const requirements = await splitRequirements(text, buildDir);
  const kitDir = requirements.wantsKit ? await pythonKitDir() : undefined;
  if (requirements.wantsKit && kitDir === undefined) {
    throw new Error(
      `${requirementsFile} names ${PYTHON_KIT_NAME}, but no python/mxn_model_kit folder was found above ${moduleDir()}; ` +
        `install the kit from git instead (see docs/python-models.md)`,
    );
  }
  const python = options.python ?? (process.env.MXN_PYTHON || 'python3');
  const interpreter = await probeInterpreter(python, buildDir);
  const key = createHash('sha256')
    .update(
      JSON.stringify({ version: 1, pip: requirements.pip, included: requirements.included, python: interpreter.id, kit: kitDir ?? null }),
    )
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(path.resolve(options.cacheDir), `py${interpreter.shortVersion}-${key}`);

  let pending = inFlight.get(dir);
  if (pending === undefined) {
    pending = provide({ dir, buildDir, python, pip: requirements.pip, kitDir, log: options.log ?? (() => {}), signal: options.signal });
    inFlight.set(dir, pending);
    const forget = (): void => void inFlight.delete(dir);
    pending.then(forget, forget);
  }
  return pending;
}

/**
 * Where the repo's Python kit lives (the folder holding `mxn_model_kit/`), found as the image
 * builder finds it (`findPythonKit` of @mxn/images) from this module's own location. `undefined`
 * when there is none (e.g. mxn installed from a registry without the repo).
 */
export async function pythonKitDir(): Promise<string | undefined> {
  const kit = await findPythonKit([moduleDir()]);
  return kit === undefined ? undefined : path.dirname(kit);
}

function moduleDir(): string {
  return path.dirname(fileURLToPath(import.meta.url));
}

interface Requirements {
  /** The lines pip gets, comments and the kit's line left out; `-r`/`-c` paths made absolute. */
  pip: string[];
  /** Text of the files `-r`/`-c` lines name (one level), so a change there makes a new venv too. */
  included: string[];
  wantsKit: boolean;
}

async function splitRequirements(text: string, buildDir: string): Promise<Requirements> {
  const out: Requirements = { pip: [], included: [], wantsKit: false };
  for (const raw of text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    // pip's comment rule: `#` at the start or after whitespace (so `…#egg=name` in a URL stays).
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    if (requiresModelKit(line)) {
      out.wantsKit = true;
      continue;
    }
    const include = /^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S.*)$/.exec(line);
    if (include && !/^[a-z][a-z0-9+.-]*:\/\//i.test(include[2] as string)) {
      const file = path.resolve(buildDir, include[2] as string);
      out.pip.push(`${include[1]} ${file}`);
      out.included.push(await readFile(file, 'utf8').catch(() => ''));
      continue;
    }
    out.pip.push(line);
  }
  return out;
}

interface Interpreter {
  /** Implementation, full version and base prefix: what a venv made with it depends on. */
  id: string;
  /** `3.11`, for readable folder names. */
  shortVersion: string;
}

function probeInterpreter(python: string, buildDir: string): Promise<Interpreter> {
  let probe = interpreters.get(python);
  if (probe === undefined) {
    const code =
      'import platform, sys; ' +
      'print(platform.python_implementation(), platform.python_version(), sys.base_prefix); print("%d.%d" % sys.version_info[:2])';
    probe = runTool(python, ['-c', code], {}).then(({ exitCode, output }) => {
      const [id, shortVersion] = output.trim().split(/\r?\n/);
      if (exitCode !== 0 || id === undefined || shortVersion === undefined)
        throw new Error(`${python} does not run (exit ${exitCode}): ${lastLines(output)}`);
      return { id, shortVersion };
    });
    interpreters.set(python, probe);
    probe.catch(() => interpreters.delete(python));
  }
  return probe.catch((error: Error) => {
    throw new Error(`${buildDir} has a requirements.txt, but ${error.message} (set MXN_PYTHON to a Python 3 interpreter)`);
  });
}

interface Plan {
  dir: string;
  buildDir: string;
  python: string;
  pip: string[];
  kitDir: string | undefined;
  log: (line: string) => void;
  signal: AbortSignal | undefined;
}

async function provide(plan: Plan): Promise<PythonEnv> {
  const ready = (state: PythonEnv['state']): PythonEnv => ({ dir: plan.dir, binDir: path.join(plan.dir, 'bin'), state });
  if (isFinished(plan.dir)) return ready('reused');
  await mkdir(path.dirname(plan.dir), { recursive: true });
  const release = await acquireLock(`${plan.dir}.lock`, plan);
  try {
    if (isFinished(plan.dir)) return ready('reused');
    await removeLeftovers(plan.dir);
    return ready(await build(plan));
  } finally {
    await release();
  }
}

function isFinished(dir: string): boolean {
  return existsSync(path.join(dir, MARKER)) && existsSync(path.join(dir, 'bin', 'python'));
}

/** Builds the venv in a temporary sibling folder and renames it into place; on any failure removes it. */
async function build(plan: Plan): Promise<PythonEnv['state']> {
  const { dir, buildDir, signal } = plan;
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const started = performance.now();
  plan.log(`python: creating an environment for ${buildDir} from requirements.txt in ${dir}`);
  try {
    await mustRun(plan.python, ['-m', 'venv', tmp], { cwd: path.dirname(dir), signal }, `${plan.python} -m venv failed for ${buildDir}`);
    const venvPython = path.join(tmp, 'bin', 'python');
    if (plan.kitDir !== undefined) {
      const purelib = await mustRun(
        venvPython,
        ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
        { signal },
        `cannot find the site-packages of ${tmp}`,
      );
      await writeFile(path.join(purelib.trim(), 'mxn_model_kit.pth'), `${plan.kitDir}\n`);
    }
    if (plan.pip.length > 0) {
      const filtered = path.join(tmp, 'mxn-requirements.txt');
      await writeFile(filtered, `${plan.pip.join('\n')}\n`);
      const args = ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', filtered];
      await mustRun(venvPython, args, { cwd: buildDir, signal }, `pip install -r ${path.join(buildDir, 'requirements.txt')} failed`);
    }
    await repointScripts(tmp, dir);
    const marker = { buildDir, python: plan.python, requirements: plan.pip, kit: plan.kitDir ?? null, createdAt: new Date().toISOString() };
    await writeFile(path.join(tmp, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    try {
      await rename(tmp, dir);
    } catch (error) {
      // Someone else finished the same venv first (only after a stolen lock): theirs is as good as ours.
      if (isFinished(dir)) {
        await rm(tmp, { recursive: true, force: true });
        return 'reused';
      }
      throw error;
    }
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    if (signal?.aborted) throw signal.reason ?? error;
    throw error;
  }
  plan.log(`python: environment ready in ${((performance.now() - started) / 1000).toFixed(1)} s: ${dir}`);
  return 'created';
}

/**
 * A venv's scripts name its folder (`#!<venv>/bin/python` in pip's and every console script's
 * first line, `VIRTUAL_ENV=…` in the activate scripts): rewrite the temporary folder to the final one.
 */
async function repointScripts(tmp: string, dir: string): Promise<void> {
  for (const file of [path.join(tmp, 'pyvenv.cfg'), ...(await readdir(path.join(tmp, 'bin'))).map((name) => path.join(tmp, 'bin', name))]) {
    const info = await lstat(file);
    if (!info.isFile() || info.size > 1024 * 1024) continue;
    const bytes = await readFile(file);
    if (bytes.includes(0)) continue; // a binary launcher, not a script
    const text = bytes.toString('utf8');
    if (text.includes(tmp)) await writeFile(file, text.split(tmp).join(dir));
  }
}

/** Temporary folders of builders that died (their lock is gone, so they are not working any more). */
async function removeLeftovers(dir: string): Promise<void> {
  const prefix = `${path.basename(dir)}.tmp-`;
  for (const name of await readdir(path.dirname(dir))) {
    if (name.startsWith(prefix)) await rm(path.join(path.dirname(dir), name), { recursive: true, force: true });
  }
  // A folder without the marker is no finished venv (it was not made by this code): replace it.
  if (existsSync(dir) && !isFinished(dir)) await rm(dir, { recursive: true, force: true });
}

/**
 * Takes the cross-process lock `lockDir` (a folder: `mkdir` is atomic) and returns its release.
 * Waits while another live process holds it; a lock whose owner died on this host is taken over.
 */
async function acquireLock(lockDir: string, plan: Plan): Promise<() => Promise<void>> {
  let announced = false;
  for (;;) {
    if (plan.signal?.aborted) throw plan.signal.reason;
    try {
      await mkdir(lockDir);
      await writeFile(path.join(lockDir, 'owner.json'), JSON.stringify({ pid: process.pid, host: hostname() }));
      return () => rm(lockDir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await isAbandoned(lockDir)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) plan.log(`python: waiting for another process that is creating ${plan.dir}`);
    announced = true;
    await sleep(LOCK_POLL_MS, plan.signal);
  }
}

async function isAbandoned(lockDir: string): Promise<boolean> {
  const owner = await readFile(path.join(lockDir, 'owner.json'), 'utf8')
    .then((text) => JSON.parse(text) as { pid?: unknown; host?: unknown })
    .catch(() => undefined);
  if (owner === undefined || typeof owner.pid !== 'number') {
    const info = await stat(lockDir).catch(() => undefined);
    return info !== undefined && Date.now() - info.mtimeMs > UNOWNED_LOCK_MS;
  }
  if (owner.host !== hostname()) return false;
  // This process creates each venv at most once at a time (the in-flight memo), so a lock in its own name is left over.
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

interface ToolResult {
  exitCode: number;
  /** stdout and stderr interleaved, at most the last 64 KiB. */
  output: string;
}

/** Runs a program in its own process group (aborting stops the group), collecting its output. */
function runTool(program: string, args: string[], options: { cwd?: string; signal?: AbortSignal | undefined }): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(options.signal.reason);
    const child = spawn(program, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-64 * 1024);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const stop = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    child.once('error', (error: NodeJS.ErrnoException) => {
      options.signal?.removeEventListener('abort', stop);
      reject(new Error(error.code === 'ENOENT' ? `${program} was not found` : error.message));
    });
    child.once('close', (code, signal) => {
      options.signal?.removeEventListener('abort', stop);
      if (options.signal?.aborted) reject(options.signal.reason);
      else resolve({ exitCode: code ?? (signal ? 128 : 1), output });
    });
  });
}

/** `runTool`, failing with `<what> (exit N): <last lines>` unless the program exits 0; resolves to its output. */
async function mustRun(
  program: string,
  args: string[],
  options: { cwd?: string; signal?: AbortSignal | undefined },
  what: string,
): Promise<string> {
  const { exitCode, output } = await runTool(program, args, options).catch((error: Error) => {
    throw options.signal?.aborted ? error : new Error(`${what}: ${error.message}`);
  });
  if (exitCode !== 0) throw new Error(`${what} (exit ${exitCode}): ${lastLines(output)}`);
  return output;
}

/** The end of a tool's output on one line: its last `ERROR:` lines when it printed some (pip does), else its last lines. */
export function lastLines(output: string, count = 3): string {
  const lines = output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const errors = lines.filter((line) => /^error\b/i.test(line));
  const picked = (errors.length > 0 ? errors : lines).slice(-count).join(' | ');
  const text = picked === '' ? 'no output' : picked;
  return text.length > 600 ? `…${text.slice(-600)}` : text;
}
