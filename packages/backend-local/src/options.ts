import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { projectPaths, type Runtime } from '@mxn/core';
import type { ContainerEngine } from '@mxn/images';

/** Settings of the local backend. Every field is optional. */
export interface LocalBackendOptions {
  /** Tasks running at once when the run's `limits.concurrency` is not a positive number. Default: `os.availableParallelism()`. */
  concurrency?: number;
  /** Delay before the first retry, in ms; it doubles with every further attempt, with jitter (50–100 % of the value). Default 500. */
  retryBaseMs?: number;
  /** Longest delay between two attempts, in ms. Default 30 000. */
  retryMaxMs?: number;
  /** Time between SIGTERM and SIGKILL when a task is stopped (timeout or cancellation), in ms. Default 1000. */
  killGraceMs?: number;
  /** Lines of stderr kept at the end of a failed task's error text. Default 20. */
  stderrTailLines?: number;
  /** Working directory of tasks that have no `buildDir`. Default `process.cwd()`. */
  cwd?: string;
  /**
   * Where the process runtime's scratch folders, and the task folders of a staging store that is
   * not a local folder, go. Default `os.tmpdir()`.
   */
  tempDir?: string;
  /** Objects moved at once between a remote staging store and a task's temporary folders. Default 8. */
  transferConcurrency?: number;
  /**
   * Names of further variables of this process that process-runtime tasks may see (beyond PATH,
   * HOME, locale and the like). Default none: credentials never reach a task. Containers get the
   * protocol variables only.
   */
  passEnv?: string[];
  /**
   * `container`: every task runs in its model's image through `engine` (Docker or Podman), with only
   * its own folders mounted. `process`: a host process in a scratch copy of the build folder, for
   * trusted code on your own machine. Default `container` when `engine` is given, else `process`.
   */
  runtime?: Runtime;
  /** The container engine of the `container` runtime (`detectEngine()` of @mxn/images). */
  engine?: ContainerEngine;
  /** Container runtime: give cells the network (`compute.network: true`); never for untrusted code. Default false. */
  network?: boolean;
  /**
   * Container runtime: `task` runs the command in an empty task folder instead of the image's
   * WORKDIR (`compute.workingDirectory`). Default `image`.
   */
  workingDirectory?: 'image' | 'task';
  /** Project root: image build contexts pack its workspace packages. Default `process.cwd()`. */
  root?: string;
  /** mxn's state on this machine: the process runtime's Python environments (`venvs/`). Default `<root>/.mxn`. */
  stateDir?: string;
  /** Registry of built images' tags. Default `MXN_REGISTRY`; without one, images are tagged `mxn/<model>:<hash>` in the local engine. */
  registry?: string;
  /** `--network` of image build steps. Default `MXN_BUILD_NETWORK`, else the engine's default. */
  buildNetwork?: string;
  /** Progress lines (image builds, environments made). Default none. */
  log?: (line: string) => void;
  /**
   * The code comes from an untrusted source (a fork's pull request): containers never get a
   * network, whatever `compute.network` says. Default false.
   */
  untrusted?: boolean;
}

export type ResolvedOptions = Required<Omit<LocalBackendOptions, 'engine' | 'registry' | 'buildNetwork'>> &
  Pick<LocalBackendOptions, 'engine' | 'registry' | 'buildNetwork'>;

export function resolveOptions(options: LocalBackendOptions): ResolvedOptions {
  return {
    concurrency: positive(options.concurrency) ?? availableParallelism(),
    retryBaseMs: options.retryBaseMs ?? 500,
    retryMaxMs: options.retryMaxMs ?? 30_000,
    killGraceMs: options.killGraceMs ?? 1000,
    stderrTailLines: options.stderrTailLines ?? 20,
    cwd: options.cwd ?? process.cwd(),
    tempDir: options.tempDir ?? tmpdir(),
    transferConcurrency: positive(options.transferConcurrency) ?? 8,
    passEnv: options.passEnv ?? [],
    runtime: options.runtime ?? (options.engine ? 'container' : 'process'),
    ...(options.engine ? { engine: options.engine } : {}),
    root: options.root ?? process.cwd(),
    stateDir: options.stateDir ?? path.join(options.root ?? process.cwd(), projectPaths.state),
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.buildNetwork ? { buildNetwork: options.buildNetwork } : {}),
    network: options.network === true,
    workingDirectory: options.workingDirectory ?? 'image',
    log: options.log ?? (() => {}),
    untrusted: options.untrusted === true,
  };
}

/** `value` when it is a positive number (floored), otherwise undefined. */
export function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : undefined;
}
