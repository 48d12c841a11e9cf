/**
 * The `container` runtime: each attempt runs in the task's image through the Docker Engine or
 * Podman CLI, with the same protocol and isolation as on Batch: the cell's inputs mounted read-only
 * and its output folder read-write at fixed paths, the protocol variables and nothing else from this
 * machine, no network unless `compute.network` asks, the image's WORKDIR unless
 * `compute.workingDirectory: task`. Images of build folders are built once per content hash by
 * @mxn/images (the code `mxn build` and the GitHub action use); prebuilt images are pulled once.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatDuration, type TaskSpec } from '@mxn/core';
import { ensureImage, ensurePrebuiltImage, spawnCommand, type ContainerEngine } from '@mxn/images';
import { spawnAttempt, type AttemptResult } from '../spawn-attempt.js';
import { containerCreateArgs } from './container-args.js';
import type { AttemptIO, PreparedTask, TaskRuntime } from './runtime.js';

export interface ContainerRuntimeOptions {
  engine: ContainerEngine;
  /** Project root: build contexts pack its workspace packages. */
  root: string;
  /** Registry of built images' tags (default MXN_REGISTRY; without one, local `mxn/<model>:<hash>` tags). */
  registry?: string;
  /** `--network` of image builds (default MXN_BUILD_NETWORK, else the engine's). */
  buildNetwork?: string;
  network: boolean;
  workingDirectory: 'image' | 'task';
  runId: string;
  log: (line: string) => void;
}

export function containerRuntime(options: ContainerRuntimeOptions): TaskRuntime {
  const images = new Map<string, Promise<string>>();
  const imageOf = (task: TaskSpec, signal: AbortSignal): Promise<string> => {
    const key = task.image ?? task.buildDir;
    if (!key) return Promise.reject(new Error(`task ${task.id} has neither an image nor a build folder`));
    let image = images.get(key);
    if (!image) {
      // The engine's own build output stays out of the run's progress; a failed build's error carries its tail.
      const quiet = { engine: options.engine, log: options.log, buildOutput: () => {}, signal };
      const started = Date.now();
      image = task.image
        ? ensurePrebuiltImage(task.image, quiet).then(() => task.image!)
        : ensureImage(
            { name: task.model, buildDir: task.buildDir! },
            {
              ...quiet,
              root: options.root,
              ...(options.registry ? { registry: options.registry } : {}),
              ...(options.buildNetwork ? { buildNetwork: options.buildNetwork } : {}),
            },
          ).then((outcome) => {
            if (outcome.state === 'built') options.log(`${outcome.ref}: built in ${formatDuration(Date.now() - started)}`);
            return outcome.ref;
          });
      images.set(key, image);
    }
    return image;
  };
  return {
    name: 'container',
    async prepare(task, signal) {
      const image = await imageOf(task, signal).catch((error: Error) => {
        const what = task.image
          ? `image ${task.image} is not available`
          : `the image of ${path.relative(options.root, task.buildDir!) || '.'} did not build`;
        throw new Error(`${what}: ${error.message.replace(/^images: /, '')}`);
      });
      return preparedContainer(task, image, options);
    },
  };
}

function preparedContainer(task: TaskSpec, image: string, options: ContainerRuntimeOptions): PreparedTask {
  const engine = options.engine;
  const prefix = `mxn-${createHash('sha256').update(`${options.runId}\0${task.id}`).digest('hex').slice(0, 12)}`;
  return {
    where: `image ${image}`,
    async attempt(io: AttemptIO): Promise<AttemptResult> {
      const name = `${prefix}-${io.attempt}-${randomBytes(3).toString('hex')}`;
      const args = containerCreateArgs({
        image,
        name,
        command: task.command,
        inputDir: io.inputDir,
        outputDir: io.outputDir,
        env: io.env,
        network: options.network,
        workingDirectory: options.workingDirectory,
        labels: { 'mxn.run': options.runId, 'mxn.task': task.id },
      });
      // The logs are written outside the container's mounts, so it cannot swap them for links.
      const logs = await mkdtemp(path.join(tmpdir(), 'mxn-container-logs-'));
      liveContainers.track(engine.command, name);
      try {
        // Created first, outside the task's time: a slow engine (a vfs copy of the image, a busy
        // daemon) neither eats into the timeout nor leaves a container created after a kill.
        const created = await spawnCommand(engine.command, args, { cwd: options.root, signal: io.signal });
        if (io.signal.aborted) {
          await removeContainer(engine.command, name);
          return { kind: 'cancelled' };
        }
        if (created.code !== 0) {
          await removeContainer(engine.command, name);
          const reason = created.stderr.trim().split('\n').at(-1) ?? '';
          return {
            kind: 'notStarted',
            error: new Error(`${engine.command} could not create the container (exit ${created.code})${reason ? `: ${reason}` : ''}`),
          };
        }
        const result = await spawnAttempt({
          command: [engine.command, 'start', '--attach', name],
          cwd: options.root,
          env: process.env,
          stdoutFile: path.join(logs, 'stdout.txt'),
          stderrFile: path.join(logs, 'stderr.txt'),
          timeoutMs: io.timeoutMs,
          killGraceMs: io.killGraceMs,
          signal: io.signal,
          onStop: (signal) => void killContainer(engine.command, name, signal),
        });
        if (result.kind !== 'exited') await removeContainer(engine.command, name);
        // What the container left in its output folder is read on this machine (scored, published,
        // shown in comments): only regular files and folders, never a link to a file of the runner.
        await removeSpecialFiles(io.outputDir);
        await Promise.all([copyFile(path.join(logs, 'stdout.txt'), io.stdoutFile), copyFile(path.join(logs, 'stderr.txt'), io.stderrFile)]);
        return result.kind === 'exited' && result.exitCode === 125
          ? { kind: 'notStarted', error: new Error(`${engine.command} could not start the container (exit 125)`) }
          : result;
      } finally {
        liveContainers.forget(engine.command, name);
        await rm(logs, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Removes every entry under `dir` that is neither a regular file nor a folder (symbolic links,
 * sockets, FIFOs, devices), without following any.
 */
async function removeSpecialFiles(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) await removeSpecialFiles(file);
    else if (!entry.isFile()) await rm(file, { force: true });
  }
}

/** Stopping a container that has already gone is no error: these never reject. */
function killContainer(command: string, name: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  return spawnCommand(command, ['kill', '--signal', signal, name]).then(
    () => undefined,
    () => undefined,
  );
}

/**
 * Removes a stopped or stopping container and waits until the engine no longer lists it: a killed
 * `--rm` container is removed in the background, and on a slow storage driver (vfs copies the whole
 * image per container) that can take seconds after the kill. Never rejects; gives up after `waitMs`.
 */
async function removeContainer(command: string, name: string, waitMs = 60_000): Promise<void> {
  const until = Date.now() + waitMs;
  for (;;) {
    await spawnCommand(command, ['rm', '--force', name]).catch(() => undefined);
    const listed = await spawnCommand(command, ['container', 'inspect', '--format', '{{.State.Status}}', name]).catch(() => undefined);
    if (listed?.code !== 0 || Date.now() > until) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Containers still running. If mxn exits before it stopped them (a second Ctrl-C, a crash), they
 * are removed on the way out, as the process runtime kills its process groups: nothing trains on
 * unattended.
 */
const liveContainers = (() => {
  const live = new Map<string, Set<string>>();
  let hooked = false;
  return {
    track(command: string, name: string) {
      if (!live.has(command)) live.set(command, new Set());
      live.get(command)!.add(name);
      if (hooked) return;
      hooked = true;
      process.once('exit', () => {
        for (const [engine, names] of live)
          if (names.size > 0) spawnSync(engine, ['rm', '--force', ...names], { stdio: 'ignore', timeout: 10_000 });
      });
    },
    forget(command: string, name: string) {
      live.get(command)?.delete(name);
    },
  };
})();
