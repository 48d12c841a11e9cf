/**
 * Runs one task attempt as a local process, like a Batch node: task folder layout
 * (`…/workitems/<job>/job-1/<task>/` with `wd/`, `stdout.txt`, `stderr.txt`), `AZ_BATCH_*` variables
 * plus the task's `environmentSettings` (nothing else from this process's environment but PATH),
 * resource files in, the command (no shell, like Batch), wall-clock limit, output files out.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { containerMounts } from './container-mounts.js';
import { TaskFileError, downloadResourceFiles, uploadOutputFiles } from './files.js';
import type { TaskSpec } from './spec-types.js';

/** How a test maps a container image to a local command. */
export interface LocalImage {
  /** The image's default command (its CMD), used when the task's commandLine is empty. */
  command?: string[];
  /** The image's WORKDIR: the working directory for `workingDirectory: containerImageDefault`. */
  cwd: string;
  /** Extra environment the image defines (its ENV). */
  env?: Record<string, string>;
  /**
   * Run the task in this real image through the docker CLI, as a Batch node does: pulled first (a
   * failed pull is ContainerInvalidImage), the node's folders mounted at the same paths (all of the node
   * root, or only the data paths `containerHostBatchBindMounts` names: see container-mounts.ts), the task's
   * environment settings passed, the command line run in the image's WORKDIR (or the task working
   * directory). `cwd` and `command` are then unused.
   */
  container?: { ref: string; engine?: string };
}

/**
 * An image that cannot be pulled (a registry outage, a deleted tag, missing credentials): a task naming
 * it fails before it runs, as Batch reports it (`failureInfo.code` `ContainerInvalidImage`, category
 * `usererror`, this message in its details, no exit code) and is not retried.
 */
export interface FailingImage {
  /** What the container engine said, e.g. `manifest unknown`. */
  pullFailure: string;
  /**
   * More `failureInfo.details` after `ContainerImage` and `Message`, as given: e.g. a registry URL with a SAS
   * token (`https://…?sv=…&sig=…`), to test that a client masks what it shows.
   */
  details?: { name: string; value: string }[];
}

/** Resolves an image name to how it runs locally (undefined: not known, the task fails with ContainerInvalidImage). */
export type ImageResolver = (name: string) => LocalImage | FailingImage | undefined | Promise<LocalImage | FailingImage | undefined>;

/** Images a test or the emulator command knows: a fixed map, or a resolver function. */
export type LocalImages = Record<string, LocalImage | FailingImage> | ImageResolver;

export interface AttemptInput {
  rootDir: string;
  accountName: string;
  accountUrl: string;
  poolId: string;
  nodeId: string;
  isDedicated: boolean;
  jobId: string;
  task: TaskSpec;
  images: LocalImages;
  wallClockMs: number;
  signal: AbortSignal;
  /** An injected upload failure for this attempt (taken only by a task with output files), or undefined. */
  uploadFailure?: () => InjectedUploadFailure | undefined;
}

/** An output upload made to fail by a test (`inject({ uploadFailures })`). */
export interface InjectedUploadFailure {
  /** `failureInfo.details`; default: the first output file's destination `containerUrl`, SAS included. */
  details?: { name: string; value: string }[];
}

/** A failure that is not just a nonzero exit code (pre-processing, upload, timeout, image). */
export interface AttemptFailure {
  code: string;
  message: string;
  kind: 'preProcessingError' | 'fileUploadError' | 'timeout' | 'terminated';
  /** `failureInfo.details` as Batch reports them. */
  details?: { name: string; value: string }[];
  /** Batch does not retry it (the task could not be started at all). */
  final?: boolean;
}

export interface AttemptOutcome {
  exitCode?: number;
  failure?: AttemptFailure;
  taskDir: string;
}

/** How Batch reports a container image it could not pull (Azure/Batch issues 49 and 122). */
function imageFailure(imageName: string, message: string, more: { name: string; value: string }[] = []): AttemptFailure {
  return {
    code: 'ContainerInvalidImage',
    message: 'One or more container images specified are invalid',
    kind: 'preProcessingError',
    details: [{ name: 'ContainerImage', value: imageName }, { name: 'Message', value: message }, ...more],
    final: true,
  };
}

/** Splits a command line into words (single/double quotes, backslash escapes), without a shell. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && (line[i + 1] === '"' || line[i + 1] === '\\')) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** Pulls `ref` unless the engine has it; undefined when it is there, else the engine's complaint. */
function pullImage(engine: string, ref: string): Promise<string | undefined> {
  const run = (args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      const child = spawn(engine, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', (error) => resolve({ code: 127, stderr: error.message }));
      child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
    });
  return run(['image', 'inspect', ref]).then(async (found) => {
    if (found.code === 0) return undefined;
    const pulled = await run(['pull', '--quiet', ref]);
    return pulled.code === 0 ? undefined : (pulled.stderr.trim().split('\n').pop() ?? `exit ${pulled.code}`);
  });
}

async function lookupImage(images: LocalImages, name: string): Promise<LocalImage | FailingImage | undefined> {
  if (typeof images === 'function') return images(name);
  const bare = name.replace(/:latest$/, '');
  return images[name] ?? images[bare] ?? images[`${bare}:latest`];
}

/** Runs one attempt of `input.task`; never throws for task-level failures. */
export async function runAttempt(input: AttemptInput): Promise<AttemptOutcome> {
  const { task } = input;
  const nodeRoot = join(input.rootDir, 'nodes', input.nodeId);
  const taskDir = join(nodeRoot, 'workitems', input.jobId, 'job-1', task.id);
  const workDir = join(taskDir, 'wd');
  const sharedDir = join(nodeRoot, 'shared');
  await mkdir(workDir, { recursive: true });
  await mkdir(sharedDir, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AZ_BATCH_ACCOUNT_NAME: input.accountName,
    AZ_BATCH_ACCOUNT_URL: input.accountUrl,
    AZ_BATCH_POOL_ID: input.poolId,
    AZ_BATCH_NODE_ID: input.nodeId,
    AZ_BATCH_NODE_IS_DEDICATED: String(input.isDedicated),
    AZ_BATCH_NODE_ROOT_DIR: nodeRoot,
    AZ_BATCH_NODE_SHARED_DIR: sharedDir,
    AZ_BATCH_NODE_STARTUP_DIR: join(nodeRoot, 'startup'),
    AZ_BATCH_JOB_ID: input.jobId,
    AZ_BATCH_TASK_ID: task.id,
    AZ_BATCH_TASK_DIR: taskDir,
    AZ_BATCH_TASK_WORKING_DIR: workDir,
  };
  for (const s of task.environmentSettings ?? []) env[s.name] = s.value ?? '';

  const terminated = (): AttemptOutcome => ({
    taskDir,
    failure: { code: 'TaskEnded', message: 'The task was terminated.', kind: 'terminated' },
  });
  if (input.signal.aborted) return terminated();
  try {
    await downloadResourceFiles(task.resourceFiles, workDir);
  } catch (e) {
    const code = e instanceof TaskFileError ? e.code : 'BlobDownloadMiscError';
    return { taskDir, failure: { code, message: (e as Error).message, kind: 'preProcessingError' } };
  }

  if (input.signal.aborted) return terminated();
  let argv = splitCommandLine(task.commandLine ?? '');
  let cwd = workDir;
  const container = task.containerSettings;
  if (container) {
    const image = await lookupImage(input.images, container.imageName);
    if (!image) {
      const message = `pull access denied for ${container.imageName}: the image is not in the loopback Batch service's image map`;
      return { taskDir, failure: imageFailure(container.imageName, message) };
    }
    if ('pullFailure' in image) return { taskDir, failure: imageFailure(container.imageName, image.pullFailure, image.details) };
    if (argv.length === 0) argv = image.command ?? [];
    Object.assign(env, image.env, Object.fromEntries((task.environmentSettings ?? []).map((s) => [s.name, s.value ?? ''])));
    if ((container.workingDirectory ?? 'taskWorkingDirectory').toLowerCase() === 'containerimagedefault') cwd = image.cwd;
  }
  if (argv.length === 0)
    return { taskDir, failure: { code: 'CommandLineEmpty', message: 'The task has no command to run.', kind: 'preProcessingError' } };
  let containerName: string | undefined;
  let engine = 'docker';
  if (container) {
    const image = (await lookupImage(input.images, container.imageName)) as LocalImage;
    if (image.container) {
      engine = image.container.engine ?? 'docker';
      const pulled = await pullImage(engine, image.container.ref);
      if (pulled) return { taskDir, failure: imageFailure(container.imageName, pulled) };
      containerName = `batch-fake-${input.jobId}-${task.id}-${Date.now().toString(36)}`.replace(/[^A-Za-z0-9_.-]/g, '-');
      const useImageDir = (container.workingDirectory ?? 'taskWorkingDirectory').toLowerCase() === 'containerimagedefault';
      const mounts = containerMounts(container.containerHostBatchBindMounts, { nodeRoot, jobId: input.jobId, taskDir });
      for (const mount of mounts) await mkdir(mount.path, { recursive: true });
      const envArgs = Object.keys(env)
        .filter((name) => name !== 'PATH')
        .flatMap((name) => ['--env', name]);
      argv = [
        engine,
        'run',
        '--rm',
        '--name',
        containerName,
        '--network',
        'none',
        ...mounts.flatMap((m) => ['--mount', `type=bind,source=${m.path},target=${m.path}${m.readOnly ? ',readonly' : ''}`]),
        ...(useImageDir ? [] : ['--workdir', cwd]),
        ...envArgs,
        image.container.ref,
        ...argv,
      ];
    }
  }

  const outcome = await new Promise<AttemptOutcome>((done) => {
    const stdout = createWriteStream(join(taskDir, 'stdout.txt'));
    const stderr = createWriteStream(join(taskDir, 'stderr.txt'));
    let killedFor: AttemptOutcome['failure'];
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.pipe(stdout);
    child.stderr.pipe(stderr);
    const kill = (failure: NonNullable<AttemptOutcome['failure']>): void => {
      killedFor = failure;
      if (containerName) spawn(engine, ['rm', '--force', containerName], { stdio: 'ignore' }).on('error', () => undefined);
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = Number.isFinite(input.wallClockMs)
      ? setTimeout(
          () =>
            kill({
              code: 'MaxWallClockTimeExceeded',
              message: 'The task ran longer than its maxWallClockTime constraint.',
              kind: 'timeout',
            }),
          input.wallClockMs,
        )
      : undefined;
    const onAbort = (): void => kill({ code: 'TaskEnded', message: 'The task was terminated.', kind: 'terminated' });
    input.signal.addEventListener('abort', onAbort, { once: true });
    if (input.signal.aborted) onAbort();
    let settled = false;
    const finish = (o: AttemptOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      input.signal.removeEventListener('abort', onAbort);
      let open = 2;
      const closed = (): void => {
        if (--open === 0) done(o);
      };
      stdout.end(closed);
      stderr.end(closed);
    };
    child.on('error', (e) => {
      stderr.write(`${e.message}\n`);
      finish({
        taskDir,
        exitCode: 127,
        failure: { code: 'CommandProgramNotFound', message: `The program ${argv[0]} could not be started.`, kind: 'preProcessingError' },
      });
    });
    child.on('close', (code, sig) => {
      finish({ taskDir, exitCode: code ?? (sig ? 137 : 1), ...(killedFor ? { failure: killedFor } : {}) });
    });
  });
  if (outcome.failure?.kind === 'terminated') return outcome;

  const succeeded = outcome.exitCode === 0 && !outcome.failure;
  const injected = task.outputFiles?.length ? input.uploadFailure?.() : undefined;
  if (injected && !outcome.failure) {
    const first = task.outputFiles![0]!;
    const details = injected.details ?? [{ name: 'ContainerUrl', value: first.destination?.container?.containerUrl ?? '' }];
    return {
      ...outcome,
      failure: {
        code: 'FileUploadMiscError',
        message: `Uploading ${first.filePattern} failed with HTTP 403.`,
        kind: 'fileUploadError',
        details,
      },
    };
  }
  try {
    await uploadOutputFiles(task.outputFiles, workDir, succeeded, env);
  } catch (e) {
    if (!outcome.failure) {
      const code = e instanceof TaskFileError ? e.code : 'FileUploadMiscError';
      return { ...outcome, failure: { code, message: (e as Error).message, kind: 'fileUploadError' } };
    }
  }
  return outcome;
}
