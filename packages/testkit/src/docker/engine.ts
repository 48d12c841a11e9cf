/**
 * The container engine the image tests need: is one answering, and the skip-or-fail rule for tests
 * that need it (the same rule as `skipWithoutRegistry`: skip with a note on a development machine,
 * fail in CI, where `scripts/ci-docker.sh` starts one).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { Readable } from 'node:stream';

/** How long `docker version` may take before the engine counts as not answering. */
const ANSWER_TIMEOUT_MS = 5_000;
const VERSION_ARGS = ['version', '--format', '{{.Server.Version}}'];

/** True when a container engine answers (`docker version` reports a server within a few seconds). */
export async function dockerAvailable(): Promise<boolean> {
  const result = await runDocker(VERSION_ARGS, { timeoutMs: ANSWER_TIMEOUT_MS }).catch(() => undefined);
  return result !== undefined && result.code === 0 && result.stdout.trim() !== '';
}

/** `dockerAvailable` for places that cannot wait, such as `describe.skipIf(…)`. */
export function dockerAvailableSync(): boolean {
  const result = spawnSync('docker', VERSION_ARGS, { encoding: 'utf8', timeout: ANSWER_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  return result.error === undefined && result.status === 0 && result.stdout.trim() !== '';
}

export interface SkipWithoutDockerOptions {
  /** Default `process.env`; with `CI` set (and not `false`/`0`), a missing engine is an error, not a skip. */
  env?: NodeJS.ProcessEnv;
  /** Default `console.warn`: says what is skipped and how to get an engine. */
  warn?: (line: string) => void;
  /** Default `dockerAvailableSync`: whether an engine answers. */
  available?: () => boolean;
}

/** Thrown by `skipWithoutDocker` in CI, where an engine must answer (`scripts/ci-docker.sh` starts one). */
export class DockerMissingError extends Error {
  readonly code = 'DockerMissing';
}

/**
 * For `describe.skipIf(skipWithoutDocker())`: false when an engine answers; true (with a one-line
 * warning) on a development machine without one; in CI it throws, so the image tests fail loudly
 * instead of passing by skipping.
 */
export function skipWithoutDocker(options: SkipWithoutDockerOptions = {}): boolean {
  if ((options.available ?? dockerAvailableSync)()) return false;
  const env = options.env ?? process.env;
  if (isCi(env))
    throw new DockerMissingError(
      'testkit: no container engine answers in CI (`docker version` failed); ' +
        'the Docker tests cannot be skipped there (scripts/ci-docker.sh starts one)',
    );
  (options.warn ?? console.warn)(
    'testkit: skipped the Docker tests: no container engine answers (`docker version`); start one with scripts/ci-docker.sh',
  );
  return true;
}

/** `CI` set to anything but '', 'false' or '0'. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
}

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunDockerOptions {
  /** Piped to the command's stdin (e.g. a tar stream for `docker import -`). */
  input?: Readable;
  /** Kills the command after this long (it then fails). */
  timeoutMs?: number;
}

/** Runs `docker <args>` and collects its output; rejects only when it cannot be started or times out. */
export function runDocker(args: string[], options: RunDockerOptions = {}): Promise<DockerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
    if (options.input && child.stdin) {
      child.stdin.on('error', () => undefined); // the exit code says what went wrong
      options.input.pipe(child.stdin);
    }
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`testkit: docker ${args[0]} did not finish within ${options.timeoutMs} ms`));
      else resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** Like `runDocker`, but a non-zero exit is an error carrying the command's stderr. */
export async function docker(args: string[], options: RunDockerOptions = {}): Promise<string> {
  const result = await runDocker(args, options);
  if (result.code !== 0)
    throw new Error(
      `testkit: docker ${args.join(' ')} exited with ${result.code}: ${result.stderr.trim().split('\n').slice(-5).join(' | ')}`,
    );
  return result.stdout;
}
