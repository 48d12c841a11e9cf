import { BackendError, type Backend } from '@mxn/core';
import { ensurePrebuiltImage } from '@mxn/images';
import { resolveOptions, type LocalBackendOptions } from './options.js';
import { runLocally } from './run-locally.js';

/**
 * The `local` backend: every task runs on this machine, in its model's image through a container
 * engine (runtime `container`), or as a child process in a scratch copy of its build folder
 * (runtime `process`), with the task-protocol environment.
 */
export function localBackend(options: LocalBackendOptions = {}): Backend {
  const resolved = resolveOptions(options);
  const engine = resolved.engine;
  if (resolved.runtime === 'container' && !engine) {
    throw new BackendError('local: the container runtime needs a container engine', {
      code: 'Config',
      hint: 'start Docker or Podman, or use --runtime process',
    });
  }
  return {
    name: 'local',
    runtime: resolved.runtime,
    capabilities: { reattach: false, containers: resolved.runtime === 'container' },
    run: (spec, runOptions) => runLocally(spec, resolved, runOptions),
    ...(resolved.runtime === 'container' && engine
      ? { resolveImage: async (ref: string) => (await ensurePrebuiltImage(ref, { engine, log: resolved.log })).id }
      : {}),
  };
}
