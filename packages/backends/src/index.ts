/**
 * The backend an experiment names, created by one function that the CLI and the GitHub steps share.
 * Cloud backends are imported only when asked for, so a local run never loads a cloud SDK.
 */
import { BACKENDS, MxnError, type Backend } from '@mxn/core';

export interface CreateBackendOptions {
  /** Cells at once (local backend); cloud backends take theirs from the experiment. */
  concurrency?: number;
}

export async function createBackend(name: string, options: CreateBackendOptions = {}): Promise<Backend> {
  switch (name) {
    case 'local': {
      const { localBackend } = await import('@mxn/backend-local');
      return localBackend(options.concurrency ? { concurrency: options.concurrency } : {});
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
