/**
 * The backend an experiment names, created by one function that the CLI and the GitHub steps share.
 * Cloud backends are imported only when asked for, so a local run never loads a cloud SDK.
 */
import { BACKENDS, MxnError, RUNTIMES, type Backend, type Runtime } from '@mxn/core';
import { chooseRuntime } from './choose-runtime.js';

export { chooseRuntime, type RuntimeChoice } from './choose-runtime.js';

export interface CreateBackendOptions {
  /** Cells at once (local backend); cloud backends take theirs from the experiment. */
  concurrency?: number;
  /** Local backend: `container` or `process` (`--runtime`, else `compute.runtime`). Default: `MXN_RUNTIME`, else container when an engine answers, else process with a note. */
  runtime?: Runtime;
  /** Local backend: the runs come from untrusted code (a fork's pull request): never the process runtime. */
  untrusted?: boolean;
  /** Project root (image builds, `.mxn/` state). Default `process.cwd()`. */
  root?: string;
  /** Notes and progress of the local backend (the runtime it chose, image builds). */
  log?: (line: string) => void;
}

export async function createBackend(name: string, options: CreateBackendOptions = {}): Promise<Backend> {
  switch (name) {
    case 'local': {
      const [{ localBackend }, { detectEngine }] = await Promise.all([import('@mxn/backend-local'), import('@mxn/images')]);
      const untrusted = options.untrusted === true;
      // MXN_RUNTIME is this machine's preference, below the flag and the experiment, and never for untrusted code.
      const requested = options.runtime ?? (untrusted ? undefined : runtimeFromEnv(process.env));
      const choice = await chooseRuntime({ requested, untrusted, detect: () => detectEngine() });
      if (choice.note) options.log?.(choice.note);
      return localBackend({
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        runtime: choice.runtime,
        ...(choice.engine ? { engine: choice.engine } : {}),
        ...(options.root ? { root: options.root } : {}),
        ...(options.log ? { log: options.log } : {}),
        untrusted,
      });
    }
    case 'azure-batch': {
      const { azureBatchBackendFromEnv } = await import('@mxn/backend-azure-batch');
      return azureBatchBackendFromEnv();
    }
    default:
      throw new MxnError('Usage', `backend "${name}" is not available${(BACKENDS as readonly string[]).includes(name) ? ' yet' : ''}`, {
        hint: 'use local or azure-batch',
      });
  }
}

/** `MXN_RUNTIME=container|process`; anything else is a usage error rather than a silent default. */
function runtimeFromEnv(env: NodeJS.ProcessEnv): Runtime | undefined {
  const value = env.MXN_RUNTIME?.trim();
  if (!value) return undefined;
  if ((RUNTIMES as readonly string[]).includes(value)) return value as Runtime;
  throw new MxnError('Usage', `MXN_RUNTIME is "${value}"; it takes container or process`, { hint: 'unset MXN_RUNTIME or set it to container or process' });
}
