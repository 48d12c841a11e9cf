/**
 * Which runtime the local backend uses: the one asked for (`--runtime`, `compute.runtime`), else a
 * container when an engine answers, else a host process with a note that says so. Untrusted code
 * (a fork's pull request) never runs as a host process.
 */
import type { Runtime } from '@mxn/core';
import { MxnError } from '@mxn/errors';
import type { ContainerEngine } from '@mxn/images';

export interface RuntimeChoice {
  runtime: Runtime;
  engine?: ContainerEngine;
  /** One line for the user when the choice was not asked for. */
  note?: string;
}

export interface ChooseRuntimeOptions {
  requested?: Runtime;
  untrusted: boolean;
  detect: () => Promise<ContainerEngine | undefined>;
}

export async function chooseRuntime(options: ChooseRuntimeOptions): Promise<RuntimeChoice> {
  if (options.requested === 'process') {
    if (options.untrusted)
      throw new MxnError('Usage', 'a pull request from a fork never runs in the process runtime', {
        hint: 'remove compute.runtime: process (or --runtime process); fork runs use containers',
      });
    return { runtime: 'process' };
  }
  const engine = await options.detect();
  if (engine) return { runtime: 'container', engine };
  if (options.requested === 'container' || options.untrusted) {
    throw new MxnError('Usage', 'no container engine answers (docker or podman), and this run needs one', {
      hint: options.untrusted
        ? 'fork runs use the container runtime only: start Docker or Podman on the runner'
        : 'start Docker or Podman, or use --runtime process for trusted code',
    });
  }
  return {
    runtime: 'process',
    note:
      'note: no container engine answers (docker or podman), ' +
      'so cells run as processes on this machine (--runtime process); start Docker or Podman to run them in their images',
  };
}
