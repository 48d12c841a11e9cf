import type { Backend } from '@mxn/core';
import { resolveOptions, type LocalBackendOptions } from './options.js';
import { runLocally } from './run-locally.js';

/**
 * The `local` backend: every task is a child process on this machine, started in its build folder
 * (the stand-in for a container's WORKDIR) with the task-protocol environment.
 */
export function localBackend(options: LocalBackendOptions = {}): Backend {
  const resolved = resolveOptions(options);
  return {
    name: 'local',
    capabilities: { reattach: false, containers: false },
    run: (spec, runOptions) => runLocally(spec, resolved, runOptions),
  };
}
