/**
 * Runs one attempt of an AWS Batch job on this machine: in its real image through the docker CLI
 * (`runtime: 'container'`, host network so that presigned loopback URLs work), or as a process
 * (`runtime: 'process'`, for machines without an engine), with only the job's environment. An image the
 * service knows as a folder (an entry without `container`) runs in that folder as a process in either runtime.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FailingImage, LocalImage, LocalImages } from '../batch/runner.js';

/** Where a job's container runs. */
export type AwsBatchRuntime = 'container' | 'process';

export interface AttemptRequest {
  /** Folder for this attempt: `stdout.txt`, `stderr.txt` and, for processes, the working folder `wd/`. */
  dir: string;
  image: string;
  command: string[];
  env: Record<string, string>;
  runtime: AwsBatchRuntime;
  images: LocalImages;
  engine: string;
  timeoutMs: number;
  signal: AbortSignal;
  /** Called once the container or process has started. */
  started: () => void;
}

export interface AttemptResult {
  exitCode?: number;
  /** `container.reason` of the attempt (e.g. `CannotPullContainerError: …`). */
  reason?: string;
  /** The job's statusReason for this attempt. */
  statusReason: string;
  kind: 'exit' | 'timeout' | 'terminated' | 'pull';
}

const TIMEOUT_REASON = 'Job attempt duration exceeded timeout';

async function lookupImage(images: LocalImages, name: string): Promise<LocalImage | FailingImage | undefined> {
  if (typeof images === 'function') return images(name);
  return images[name] ?? images[name.replace(/:latest$/, '')];
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

const pullFailure = (message: string): AttemptResult => ({
  reason: `CannotPullContainerError: ${message}`,
  statusReason: `CannotPullContainerError: ${message}`,
  kind: 'pull',
});

/** Runs one attempt; never throws for job-level failures. */
export async function runAttempt(request: AttemptRequest): Promise<AttemptResult> {
  const workDir = join(request.dir, 'wd');
  await mkdir(workDir, { recursive: true });
  const known = await lookupImage(request.images, request.image);
  if (known && 'pullFailure' in known) return pullFailure(known.pullFailure);
  let argv = request.command.length ? request.command : (known?.command ?? []);
  const env: Record<string, string> = { ...known?.env, ...request.env };
  let cwd = workDir;
  let containerName: string | undefined;
  // An image known as a folder (no `container`: `modelFolderImages`) runs there as a process in either runtime, as on the Azure fake.
  if (request.runtime === 'container' && (!known || known.container)) {
    const ref = known?.container?.ref ?? request.image;
    const engine = known?.container?.engine ?? request.engine;
    const complaint = await pullImage(engine, ref);
    if (complaint) return pullFailure(complaint);
    containerName = `aws-batch-fake-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const envArgs = Object.keys(env).flatMap((name) => ['--env', name]);
    argv = [engine, 'run', '--rm', '--name', containerName, '--network', 'host', ...envArgs, ref, ...argv];
    request.engine = engine;
  } else {
    if (known) cwd = known.cwd;
    if (argv.length === 0) return { exitCode: 127, reason: 'no command', statusReason: 'Essential container in task exited', kind: 'exit' };
  }
  if (request.signal.aborted) return { statusReason: 'terminated', kind: 'terminated' };
  return new Promise<AttemptResult>((resolve) => {
    const stdout = createWriteStream(join(request.dir, 'stdout.txt'));
    const stderr = createWriteStream(join(request.dir, 'stderr.txt'));
    const childEnv = { ...env, PATH: env.PATH ?? process.env.PATH ?? '/usr/bin:/bin' };
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.pipe(stdout);
    child.stderr.pipe(stderr);
    let stoppedFor: AttemptResult['kind'] | undefined;
    const kill = (kind: AttemptResult['kind']): void => {
      stoppedFor ??= kind;
      if (containerName) spawn(request.engine, ['rm', '--force', containerName], { stdio: 'ignore' }).on('error', () => undefined);
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = Number.isFinite(request.timeoutMs) ? setTimeout(() => kill('timeout'), request.timeoutMs) : undefined;
    const onAbort = (): void => kill('terminated');
    request.signal.addEventListener('abort', onAbort, { once: true });
    child.once('spawn', () => request.started());
    let settled = false;
    const finish = (result: AttemptResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onAbort);
      let open = 2;
      const closed = (): void => {
        if (--open === 0) resolve(result);
      };
      stdout.end(closed);
      stderr.end(closed);
    };
    child.on('error', (e) => {
      stderr.write(`${e.message}\n`);
      finish({
        exitCode: 127,
        reason: `CannotStartContainerError: ${e.message}`,
        statusReason: 'Essential container in task exited',
        kind: 'exit',
      });
    });
    child.on('close', (code, sig) => {
      if (stoppedFor === 'timeout') finish({ exitCode: 137, statusReason: TIMEOUT_REASON, kind: 'timeout' });
      else if (stoppedFor === 'terminated') finish({ exitCode: 137, statusReason: 'terminated', kind: 'terminated' });
      else finish({ exitCode: code ?? (sig ? 137 : 1), statusReason: 'Essential container in task exited', kind: 'exit' });
    });
  });
}

/** The last `bytes` of an attempt's stdout and stderr (what CloudWatch would have; the fake serves no CloudWatch). */
export async function attemptLogs(dir: string, bytes = 64 * 1024): Promise<{ stdout: string; stderr: string }> {
  const tail = async (name: string) => (await readFile(join(dir, name), 'utf8').catch(() => '')).slice(-bytes);
  return { stdout: await tail('stdout.txt'), stderr: await tail('stderr.txt') };
}
