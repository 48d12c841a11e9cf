/**
 * The backend an experiment names, created by one function that the CLI and the GitHub steps share.
 * Cloud backends are imported only when asked for, so a local run never loads a cloud SDK.
 */
import { BACKENDS, parseRuntime, type Backend, type LoadedExperiment, type Runtime } from '@mxn/core';
import { MxnError } from '@mxn/errors';
import { backendSettings } from '../experiment-schema.js';
import { chooseRuntime } from './choose-runtime.js';

export interface CreateBackendOptions {
  /** Cells at once (local backend); cloud backends take theirs from the experiment. */
  concurrency?: number;
  /** Local backend: the runtime asked for on the command line (`--runtime`); it wins over the experiment's `compute.runtime`. */
  runtime?: Runtime;
  /** The experiment the backend runs: its root (image builds, `.mxn/` state) and its `compute.runtime`. */
  experiment?: Pick<LoadedExperiment, 'root' | 'spec'>;
  /** Local backend: the runs come from untrusted code (a fork's pull request): never the process runtime. */
  untrusted?: boolean;
  /** Notes and progress of the backend (local: the runtime it chose, image builds; azure-batch: a pool it replaces). */
  log?: (line: string) => void;
}

export async function createBackend(name: string, options: CreateBackendOptions = {}): Promise<Backend> {
  switch (name) {
    case 'local': {
      const [{ localBackend }, { detectEngine }] = await Promise.all([import('@mxn/backend-local'), import('@mxn/images')]);
      const untrusted = options.untrusted === true;
      const settings = backendSettings('local', options.experiment?.spec.compute);
      // The flag, then the experiment, then MXN_RUNTIME (this machine's preference, never for untrusted code).
      const requested =
        options.runtime ?? settings.runtime ?? (untrusted ? undefined : parseRuntime(process.env.MXN_RUNTIME, 'MXN_RUNTIME'));
      const choice = await chooseRuntime({ requested, untrusted, detect: () => detectEngine() });
      if (choice.note) options.log?.(choice.note);
      return localBackend({
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        runtime: choice.runtime,
        ...(choice.engine ? { engine: choice.engine } : {}),
        ...(options.experiment ? { root: options.experiment.root } : {}),
        ...(options.log ? { log: options.log } : {}),
        ...(settings.network !== undefined ? { network: settings.network } : {}),
        ...(settings.workingDirectory ? { workingDirectory: settings.workingDirectory } : {}),
        untrusted,
      });
    }
    case 'azure-batch': {
      const { azureBatchBackendFromEnv } = await import('@mxn/backend-azure-batch');
      // The file's azure-batch settings (they win over their variables), and its cells-at-once cap.
      const compute = options.experiment?.spec.compute;
      const concurrency = compute?.concurrency;
      return azureBatchBackendFromEnv(
        { ...backendSettings('azure-batch', compute), ...(concurrency ? { concurrency } : {}) },
        process.env,
        options.log ? { log: options.log } : {},
      );
    }
    case 'aws-batch': {
      const { awsBatchBackendFromEnv } = await import('@mxn/backend-aws-batch');
      const compute = options.experiment?.spec.compute;
      const concurrency = compute?.concurrency;
      return awsBatchBackendFromEnv(
        { ...backendSettings('aws-batch', compute), ...(concurrency ? { concurrency } : {}) },
        process.env,
        options.log ? { log: options.log } : {},
      );
    }
    default:
      throw new MxnError('Usage', `backend "${name}" is not available${(BACKENDS as readonly string[]).includes(name) ? ' yet' : ''}`, {
        hint: 'use local, azure-batch or aws-batch',
      });
  }
}
