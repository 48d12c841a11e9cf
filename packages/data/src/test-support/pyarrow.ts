/**
 * Tests that write parquet with pyarrow (the writer behind pandas and most pipelines): a Python with
 * pyarrow and pandas, the system one when it has them, else a venv made once under the repo's .mxn/.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const REQUIREMENTS = ['pyarrow==25.0.1', 'pandas==2.3.3'];
const venvDir = path.join(repoRoot, '.mxn', 'test-python', 'pyarrow-25.0.1');

/** The path of a Python that imports pyarrow and pandas (creating the venv takes about a minute, once). */
export async function pyarrowPython(): Promise<string> {
  const system = process.env.MXN_PYTHON ?? 'python3';
  if (await imports(system)) return system;
  const python = path.join(venvDir, 'bin', 'python');
  if (existsSync(python) && (await imports(python))) return python;
  // Built beside and renamed into place, so concurrent test files never use a half-made venv.
  const building = `${venvDir}.${process.pid}`;
  await rm(building, { recursive: true, force: true });
  await mkdir(path.dirname(venvDir), { recursive: true });
  await run(system, ['-m', 'venv', building]);
  await run(path.join(building, 'bin', 'pip'), ['install', '--quiet', ...REQUIREMENTS], { maxBuffer: 16 * 1024 * 1024 });
  await rename(building, venvDir).catch(() => rm(building, { recursive: true, force: true }));
  return python;
}

async function imports(python: string): Promise<boolean> {
  try {
    await run(python, ['-c', 'import pyarrow, pandas']);
    return true;
  } catch {
    return false;
  }
}

/** Runs a Python script with arguments and returns its stdout. */
export async function runPython(python: string, script: string, args: string[] = []): Promise<string> {
  const { stdout } = await run(python, ['-c', script, ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}
