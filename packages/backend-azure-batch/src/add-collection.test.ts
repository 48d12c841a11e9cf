import { BatchServiceClient, BatchSharedKeyCredentials } from '@azure/batch';
import { HttpHeaders, type HttpOperationResponse, type WebResourceLike } from '@azure/ms-rest-js';
import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '@mxn/core';
import { addTaskCollection, collectionJson } from './add-collection.js';
import type { BatchClient } from './client.js';
import { aggregateTaskBody, cellTaskBody, type TaskBodySettings } from './task-bodies.js';

const sas = {
  readUrl: 'https://a.blob/c?sp=rl&sig=r%2B',
  writeUrl: 'https://a.blob/c?sp=cw&sig=w%2B',
  blobName: (key: string) => `root/${key}`,
};
const settings: TaskBodySettings = {
  sas,
  image: 'reg.example/m:0123456789ab',
  workingDirectory: 'containerImageDefault',
  retries: 2,
  timeoutMs: 90_000,
};
const task = (id: string, kind: TaskSpec['kind'] = 'cell'): TaskSpec => ({
  id,
  kind,
  model: 'm',
  dataset: 'd',
  command: ['node', 'train.js', "it's"],
  env: { MXN_CELL_ID: id, MXN_PARAMS: '{"k":5}', MXN_NOTE: 'ünïcode ✓' },
  inputPrefix: `in/${id}`,
  outputPrefix: `out/${id}`,
});
const bodies = [
  cellTaskBody(1, task('ridge@seoul'), settings),
  cellTaskBody(2, task('knn@seoul'), { ...settings, workingDirectory: 'taskWorkingDirectory', timeoutMs: 0 }),
  aggregateTaskBody(task('aggregate', 'aggregate'), 2, ['out/ridge@seoul', 'out/knn@seoul'], settings),
];

/** A client whose HTTP layer records each request and answers `answer`. */
function recordingClient(answer: (request: WebResourceLike) => { status: number; body: unknown }) {
  const sent: WebResourceLike[] = [];
  const httpClient = {
    async sendRequest(request: WebResourceLike): Promise<HttpOperationResponse> {
      sent.push(request);
      const { status, body } = answer(request);
      return {
        request,
        status,
        headers: new HttpHeaders({ 'content-type': 'application/json;odata=minimalmetadata', 'request-id': 'r1' }),
        bodyAsText: JSON.stringify(body),
      };
    },
  };
  const client = new BatchServiceClient(
    new BatchSharedKeyCredentials('acct', Buffer.from('key').toString('base64')),
    'https://acct.region.batch.azure.com',
    { httpClient, noRetryPolicy: true } as never,
  ) as unknown as BatchClient;
  return { client, sent };
}

const success = (request: WebResourceLike) => ({
  status: 200,
  body: {
    value: (JSON.parse(String(request.body)) as { value: Array<{ id: string }> }).value.map((t) => ({
      status: 'success',
      taskId: t.id,
      eTag: '0x1',
      lastModified: '2024-01-01T00:00:00Z',
    })),
  },
});

describe('add-collection with a pre-serialized body', () => {
  it('sends the same request the SDK would (URL, method, content type, body JSON) and parses the answer alike', async () => {
    const viaSdk = recordingClient(success);
    const sdkAnswer = await viaSdk.client.task.addCollection('job-1', bodies);
    const ours = recordingClient(success);
    const ourAnswer = await addTaskCollection(ours.client, 'job-1', bodies);
    const [a, b] = [viaSdk.sent[0]!, ours.sent[0]!];
    expect(b.url).toBe(a.url);
    expect(b.method).toBe(a.method);
    expect(b.headers.get('content-type')).toBe(a.headers.get('content-type'));
    // The SDK (2022-10-01 mappers) drops the 2025-06-01 containerHostBatchBindMounts; everything else is the same.
    type Sent = { value: Array<{ containerSettings: Record<string, unknown> }> };
    const sdkSent = JSON.parse(String(a.body)) as Sent;
    expect(sdkSent.value.some((t) => 'containerHostBatchBindMounts' in t.containerSettings)).toBe(false);
    for (const t of sdkSent.value) t.containerSettings.containerHostBatchBindMounts = [{ source: 'Task', isReadOnly: false }];
    expect(JSON.parse(String(b.body))).toEqual(sdkSent);
    expect(String(b.body)).toBe(collectionJson(bodies));
    expect(b.headers.get('authorization')).toMatch(/^SharedKey acct:/);
    expect(ourAnswer.value).toEqual(sdkAnswer.value);
    expect(ourAnswer.value?.[0]?.lastModified).toBeInstanceOf(Date);
  });

  it('throws the SDK’s RestError with the service’s error code', async () => {
    const failing = recordingClient(() => ({
      status: 413,
      body: { code: 'RequestBodyTooLarge', message: { lang: 'en-US', value: 'too large' } },
    }));
    const error = (await addTaskCollection(failing.client, 'job-1', bodies).then(
      () => undefined,
      (e: unknown) => e,
    )) as { statusCode?: number; body?: { code?: string } } | undefined;
    expect(error?.statusCode).toBe(413);
    expect(error?.body?.code).toBe('RequestBodyTooLarge');
  });
});
