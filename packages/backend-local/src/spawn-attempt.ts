import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';

export interface AttemptRequest {
  /** Program and arguments; started directly, without a shell. */
  command: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Files that receive the process's stdout and stderr (created or truncated). */
  stdoutFile: string;
  stderrFile: string;
  /** Wall-clock limit in ms; 0 or not finite means none. */
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL when the process is stopped. */
  killGraceMs: number;
  /** Aborting stops the process. */
  signal: AbortSignal;
  /** Called when the attempt is being stopped, before the process group is signalled (a container runtime stops its container here). */
  onStop?: (signal: 'SIGTERM' | 'SIGKILL') => void;
}

export type AttemptResult =
  | { kind: 'exited'; exitCode: number }
  | { kind: 'killed'; signal: string }
  | { kind: 'timedOut' }
  | { kind: 'cancelled' }
  | { kind: 'notStarted'; error: Error };

/**
 * Process groups still running. Tasks run in groups of their own, so a Ctrl-C in the terminal
 * reaches only mxn; if mxn exits before it has stopped them (a second Ctrl-C, a crash), they are
 * killed on the way out instead of training on unattended.
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function track(pid: number): void {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of liveGroups) killGroup(group, 'SIGKILL');
  });
}

/** Longest delay `setTimeout` accepts; longer timeouts are treated as none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs one process in its own process group with its output going straight to files (the
 * child writes them itself; nothing passes through this process). A timeout or an abort sends
 * SIGTERM to the whole group, then SIGKILL after the grace period. When the main process ends,
 * whatever it left running in its group is killed too, as a container's end would.
 */
export async function spawnAttempt(request: AttemptRequest): Promise<AttemptResult> {
  if (request.signal.aborted) return { kind: 'cancelled' };
  const [program, ...args] = request.command;
  if (!program) return { kind: 'notStarted', error: new Error('the command is empty') };
  const stdout = await open(request.stdoutFile, 'w');
  const stderr = await open(request.stderrFile, 'w').catch(async (error: unknown) => {
    await stdout.close();
    throw error;
  });
  let ended: Promise<AttemptResult>;
  try {
    const child = spawn(program, args, {
      cwd: request.cwd,
      env: request.env,
      detached: true,
      stdio: ['ignore', stdout.fd, stderr.fd],
    });
    // Listen before anything else is awaited: a failed spawn reports on the next tick.
    ended = waitFor(child, request);
    if (child.pid !== undefined) {
      const pid = child.pid;
      track(pid);
      void ended.then(() => liveGroups.delete(pid));
    }
  } catch (error) {
    ended = Promise.resolve({ kind: 'notStarted', error: error as Error });
  }
  // The child holds its own copies of the descriptors once spawn() returns.
  await Promise.all([stdout.close(), stderr.close()]);
  return ended;
}

function waitFor(child: ReturnType<typeof spawn>, request: AttemptRequest): Promise<AttemptResult> {
  return new Promise((resolve) => {
    let stopReason: 'timedOut' | 'cancelled' | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const stop = (reason: 'timedOut' | 'cancelled') => {
      if (stopReason || child.pid === undefined) return;
      stopReason = reason;
      request.onStop?.('SIGTERM');
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => {
        request.onStop?.('SIGKILL');
        killGroup(child.pid!, 'SIGKILL');
      }, request.killGraceMs);
    };
    const onAbort = () => stop('cancelled');
    const timeoutTimer =
      request.timeoutMs > 0 && request.timeoutMs <= MAX_TIMER_MS ? setTimeout(() => stop('timedOut'), request.timeoutMs) : undefined;
    request.signal.addEventListener('abort', onAbort, { once: true });

    const settle = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      request.signal.removeEventListener('abort', onAbort);
      resolve(result);
    };

    child.once('error', (error) => {
      // Only spawn failures reach here: signals are sent with process.kill, not child.kill.
      if (child.pid === undefined) settle({ kind: 'notStarted', error });
    });
    child.once('exit', (code, signal) => {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      if (stopReason) settle({ kind: stopReason });
      else if (code !== null) settle({ kind: 'exited', exitCode: code });
      else settle({ kind: 'killed', signal: signal ?? 'unknown signal' });
    });
  });
}

/**
 * Signals every process in the group led by `pid`. A group that is already gone (ESRCH) is the
 * usual reason this fails, and never an error.
 */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Nothing left to stop.
  }
}
