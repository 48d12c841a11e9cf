/** Runs external commands (docker, npm); injectable so tests can check the arguments without a Docker engine. */
import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  cwd?: string;
  /** Written to the command's stdin (e.g. a password for `--password-stdin`); never logged. */
  input?: string;
  onOutput?: (text: string) => void;
  /** Extra environment variables (merged over `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Stops the command (SIGTERM); it then resolves with a non-zero code. */
  signal?: AbortSignal;
  /** Stops the command after this long (SIGKILL); it then resolves with a non-zero code. */
  timeoutMs?: number;
}

export type CommandRunner = (command: string, args: string[], options?: CommandOptions) => Promise<CommandResult>;

/** The real runner: spawns the command, collects its output, resolves with its exit code (rejects when it cannot start, e.g. ENOENT). */
export const spawnCommand: CommandRunner = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({ code: 130, stdout: '', stderr: 'cancelled' });
      return;
    }
    const child = spawn(command, args, {
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
    });
    let stdout = '';
    let stderr = '';
    let stopped: string | undefined;
    const stop = (reason: string, signal: NodeJS.Signals) => {
      stopped ??= reason;
      child.kill(signal);
    };
    const onAbort = () => stop('cancelled', 'SIGTERM');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => stop(`timed out after ${options.timeoutMs} ms`, 'SIGKILL'), options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onOutput?.(chunk.toString());
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onOutput?.(chunk.toString());
    });
    let settled = false;
    const done = () => {
      settled = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (error) => {
      if (settled) return;
      done();
      reject(error);
    });
    const finish = (code: number | null) => {
      if (settled) return;
      done();
      if (stopped)
        resolve({
          code: code ?? (stopped === 'cancelled' ? 130 : 124),
          stdout,
          stderr: `${stderr}${stderr && !stderr.endsWith('\n') ? '\n' : ''}${command}: ${stopped}`,
        });
      else resolve({ code: code ?? 1, stdout, stderr });
    };
    child.on('close', finish);
    // A stopped command is done when it exits, even if a child of its own still holds the pipes open.
    child.on('exit', (code) => {
      if (!stopped) return;
      child.stdout.destroy();
      child.stderr.destroy();
      finish(code);
    });
    child.stdin.on('error', () => {}); // a command that exits without reading its input
    child.stdin.end(options.input ?? '');
  });
