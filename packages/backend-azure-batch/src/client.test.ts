import { describe, expect, it } from 'vitest';
import { redact } from '@mxn/storage';
import { batchErrorText } from './client.js';

const serviceError = (
  values: Array<{ key: string; value: string }>,
  message = 'Value for one of the query parameters specified in the request URI is invalid.',
) => ({
  statusCode: 400,
  code: 'InvalidQueryParameterValue',
  body: { code: 'InvalidQueryParameterValue', message: { value: `${message}\nRequestId:1\nTime:2026-06-01T00:00:00Z` }, values },
});

describe("a failed Batch call's one line", () => {
  it('names the query parameter and its value, with or without a Reason', () => {
    const head = '400 InvalidQueryParameterValue Value for one of the query parameters specified in the request URI is invalid.';
    // The real service's usual values: the name and the value, no Reason.
    expect(
      batchErrorText(
        serviceError([
          { key: 'QueryParameterName', value: 'api-version' },
          { key: 'QueryParameterValue', value: '2022-10-01.16.0' },
        ]),
      ),
    ).toBe(`${head} (api-version=2022-10-01.16.0)`);
    expect(
      batchErrorText(
        serviceError([
          { key: 'QueryParameterName', value: 'api-version' },
          { key: 'QueryParameterValue', value: '2022-10-01.16.0' },
          { key: 'Reason', value: 'The service supports api-version 2025-06-01 only.' },
        ]),
      ),
    ).toBe(`${head} (api-version=2022-10-01.16.0: The service supports api-version 2025-06-01 only.)`);
    expect(batchErrorText(serviceError([{ key: 'QueryParameterName', value: 'api-version' }]))).toBe(`${head} (api-version)`);
    expect(batchErrorText(serviceError([{ key: 'Reason', value: 'why' }]))).toBe(`${head} (why)`);
    expect(batchErrorText(serviceError([]))).toBe(head);
    expect(
      batchErrorText({
        statusCode: 400,
        body: {
          code: 'InvalidPropertyValue',
          message: { value: 'The value provided for one of the properties in the request body is invalid.' },
          values: [
            { key: 'PropertyName', value: 'virtualMachineConfiguration.nodeAgentSKUId' },
            { key: 'PropertyValue', value: 'batch.node.ubuntu 20.04' },
          ],
        },
      }),
    ).toBe(
      '400 InvalidPropertyValue The value provided for one of the properties in the request body is invalid. ' +
        '(virtualMachineConfiguration.nodeAgentSKUId=batch.node.ubuntu 20.04)',
    );
  });

  it("keeps a network error's message once, and masks SAS signatures anywhere in the line", () => {
    expect(batchErrorText(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }))).toBe(
      'connect ECONNREFUSED 127.0.0.1:9',
    );
    const sas = 'https://a.blob.core.windows.net/c/b?sv=2024-08-04&se=2026-12-01&sp=r&sig=SECRET';
    const text = batchErrorText({
      statusCode: 403,
      body: { code: 'AuthenticationFailed', message: { value: `see ${sas} here` }, values: [{ key: 'Reason', value: `for ${sas}` }] },
    });
    expect(text).toBe(
      '403 AuthenticationFailed see https://a.blob.core.windows.net/c/b?sv=2024-08-04&se=2026-12-01&sp=r&sig=*** here ' +
        '(for https://a.blob.core.windows.net/c/b?sv=2024-08-04&se=2026-12-01&sp=r&sig=***)',
    );
    expect(redact('sig=abc&se=1 and "sig=def" and x%3Fsig%3Dghi%26se')).toBe('sig=***&se=1 and "sig=***" and x%3Fsig%3D***%26se');
  });
});
