/** The backend an experiment asks for, by name; cloud backends load only when used (as in the CLI). */
import { MxnError, type Backend } from '@mxn/core';

export async function backendByName(name: string, options: { concurrency?: number } = {}): Promise<Backend> {
  const load = (specifier: string) => import(specifier).catch(() => undefined) as Promise<Record<string, unknown> | undefined>;
  switch (name) {
    case 'local': {
      const { localBackend } = await import('@mxn/backend-local');
      return localBackend(options.concurrency ? { concurrency: options.concurrency } : {});
    }
    case 'azure-batch': {
      // Resolved at run time (not bundled), so the Azure SDK loads only when used.
      const module = await load('@mxn/backend-azure-batch');
      const make = module?.azureBatchBackendFromEnv as (() => Promise<Backend>) | undefined;
      if (make) return make();
      break;
    }
  }
  throw new MxnError('Usage', `backend "${name}" is not available in this build`, { hint: 'use backend local or azure-batch' });
}
