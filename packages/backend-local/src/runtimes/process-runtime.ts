/**
 * The `process` runtime: each attempt is a process on this machine, started in a scratch copy of the
 * model's build folder (a Python model in a virtual environment made from its `requirements.txt`),
 * with a clean environment. For trusted code on your own machine: a process can read whatever your
 * user can read. Containers are the isolated runtime.
 */
import path from 'node:path';
import type { TaskSpec } from '@mxn/core';
import { TASK_ENV } from '@mxn/model-kit';
import { ensurePythonEnv } from '../python-env.js';
import { spawnAttempt } from '../spawn-attempt.js';
import type { AttemptIO, PreparedTask, TaskRuntime } from './runtime.js';
import { makeScratchFolder, packagesFolder } from './scratch-folder.js';

export interface ProcessRuntimeOptions {
  /** The runner's variables tasks may see (PATH, HOME, locale…; never credentials). */
  baseEnv: Record<string, string>;
  /** Working directory of tasks without a build folder. */
  cwd: string;
  /** mxn's state folder on this machine: Python environments go to its `venvs/`. */
  stateDir: string;
  /** Where the attempts' scratch folders go. */
  tempDir: string;
  log: (line: string) => void;
}

export function processRuntime(options: ProcessRuntimeOptions): TaskRuntime {
  // One packages folder per build folder for the whole run, not one per attempt.
  const packageFolders = new Map<string, ReturnType<typeof packagesFolder>>();
  const packagesOf = async (buildDir: string) => {
    let folder = packageFolders.get(buildDir);
    if (!folder) {
      folder = packagesFolder(buildDir, options.tempDir);
      packageFolders.set(buildDir, folder);
    }
    return (await folder).dir;
  };
  return {
    name: 'process',
    async prepare(task, signal) {
      const python = task.buildDir
        ? await ensurePythonEnv(task.buildDir, { cacheDir: path.join(options.stateDir, 'venvs'), log: options.log, signal }).catch(
            (error: Error) => {
              throw new Error(`could not make the Python environment of ${task.buildDir}: ${error.message}`);
            },
          )
        : undefined;
      const env: Record<string, string> = { ...options.baseEnv };
      if (python) {
        env.PATH = [python.binDir, options.baseEnv.PATH].filter(Boolean).join(path.delimiter);
        env.VIRTUAL_ENV = python.dir;
        env.PYTHONDONTWRITEBYTECODE = '1';
      }
      const packages = task.buildDir ? await packagesOf(task.buildDir) : undefined;
      return preparedProcess(task, env, options, packages);
    },
    async dispose() {
      await Promise.all([...packageFolders.values()].map(async (folder) => (await folder.catch(() => undefined))?.dispose()));
      packageFolders.clear();
    },
  };
}

function preparedProcess(
  task: TaskSpec,
  env: Record<string, string>,
  options: ProcessRuntimeOptions,
  packages: string | undefined,
): PreparedTask {
  const buildDir = task.buildDir;
  return {
    where: buildDir ?? options.cwd,
    async attempt(io: AttemptIO) {
      const scratch = buildDir ? await makeScratchFolder(buildDir, options.tempDir, `${task.id}-${io.attempt}`, packages) : undefined;
      try {
        return await spawnAttempt({
          command: task.command,
          cwd: scratch?.dir ?? options.cwd,
          env: { ...env, ...io.env, [TASK_ENV.inputDir]: io.inputDir, [TASK_ENV.outputDir]: io.outputDir },
          stdoutFile: io.stdoutFile,
          stderrFile: io.stderrFile,
          timeoutMs: io.timeoutMs,
          killGraceMs: io.killGraceMs,
          signal: io.signal,
        });
      } finally {
        await scratch?.remove();
      }
    },
  };
}
