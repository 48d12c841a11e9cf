import { describe, expect, it } from 'vitest';
import { defaultStagingFromEnv } from './azure-batch-backend.js';
import { azureBatchBackendFromEnv, optionsFromEnv } from './from-env.js';

describe('settings from the environment', () => {
  it('reads the account, key and staging defaults', async () => {
    const env = { AZURE_BATCH_ENDPOINT: 'acct.westeurope.batch.azure.com', AZURE_BATCH_ACCOUNT_KEY: 'k', AZURE_STORAGE_ACCOUNT: 'store', MXN_BATCH_POLL_MS: '250' };
    expect(optionsFromEnv(env)).toEqual({ accountUrl: 'https://acct.westeurope.batch.azure.com', accountName: 'acct', accountKey: 'k', defaultStaging: 'az://store/mxn-staging', pollIntervalMs: 250 });
    expect(defaultStagingFromEnv({ MXN_STAGING: 'az://a/b/c', AZURE_STORAGE_ACCOUNT: 'x' })).toBe('az://a/b/c');
    const backend = await azureBatchBackendFromEnv({ ...env, AZURE_BATCH_ACCOUNT_NAME: 'named' });
    expect(backend).toMatchObject({ name: 'azure-batch', capabilities: { reattach: true, containers: true } });
    expect(backend.defaultStagingUri?.()).toBe('az://store/mxn-staging');
  });

  it('says what to set when the account URL is missing', () => {
    expect(() => optionsFromEnv({})).toThrow(/AZURE_BATCH_ACCOUNT_URL is not set/);
  });
});
