/** Creates the backend an experiment asks for; cloud backends load only when used. */
import { MxnError, type Backend } from '@mxn/core';

export async function createBackend(name: string, options: { concurrency?: number } = {}): Promise<Backend> {
  switch (name) {
    case 'local': {
      const { localBackend } = await import('@mxn/backend-local');
      return localBackend({ ...(options.concurrency ? { concurrency: options.concurrency } : {}) });
    }
    case 'azure-batch': {
      const packageName = '@mxn/backend-azure-batch';
      const module = (await import(packageName).catch(() => undefined)) as { azureBatchBackendFromEnv?: () => Promise<Backend> } | undefined;
      if (module?.azureBatchBackendFromEnv) return module.azureBatchBackendFromEnv();
      throw new MxnError('Usage', 'the azure-batch backend is not available in this build', { hint: 'use --backend local' });
    }
    default:
      throw new MxnError('Usage', `backend "${name}" is not available yet`, { hint: 'use --backend local or azure-batch' });
  }
}
