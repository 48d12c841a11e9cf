/**
 * `Task_AddCollection` with a body that is already JSON. It is the SDK's own operation — same path,
 * query, headers, SharedKey/Entra signing, mxn's retry policy, response parsing and `RestError`s —
 * with one change: the SDK's mapper serializer (which walks every task twice, once "for validation"
 * and once for real, and costs ~20 ms per 100-task chunk) is replaced by `JSON.stringify` of bodies
 * that are already in the REST shape (task-bodies.ts builds them; add-collection.test.ts checks that
 * the SDK would send the same JSON, but for `containerHostBatchBindMounts`, a 2025-06-01 member it drops).
 */
import type { BatchServiceModels } from '@azure/batch';
import type { BatchClient } from './client.js';
import type { TaskBody } from './task-bodies.js';

type OperationSpec = Record<string, unknown> & { path?: string; httpMethod?: string };
type SendOperation = (args: Record<string, unknown>, spec: OperationSpec) => Promise<unknown>;

const specs = new WeakMap<object, OperationSpec>();
const json = new WeakMap<TaskBody, string>();

/** The JSON of one task body, computed once (chunking measures it, the request reuses it). */
export function taskJson(body: TaskBody): string {
  let text = json.get(body);
  if (text === undefined) {
    text = JSON.stringify(body);
    json.set(body, text);
  }
  return text;
}

/** The request body of an add-collection call. */
export function collectionJson(bodies: TaskBody[]): string {
  return `{"value":[${bodies.map(taskJson).join(',')}]}`;
}

/** The SDK's add-collection operation spec, with a pre-serialized (string) request body. */
function addCollectionSpec(client: BatchClient): OperationSpec {
  const TaskOperations = client.task.constructor as new (client: { sendOperationRequest: SendOperation }) => BatchClient['task'];
  let captured: OperationSpec | undefined;
  // Ask a Task operations object over a recorder for its spec: nothing is sent.
  void new TaskOperations({
    sendOperationRequest: async (_args, spec) => {
      captured = spec;
    },
  }).addCollection('capture', []);
  if (captured?.httpMethod !== 'POST' || captured.path !== 'jobs/{jobId}/addtaskcollection') {
    throw new Error('azure-batch: this @azure/batch version does not expose the add-collection operation as expected');
  }
  return {
    ...captured,
    requestBody: {
      parameterPath: 'collectionJson',
      mapper: { serializedName: 'collectionJson', required: true, type: { name: 'Stream' } },
    },
  };
}

/** Adds `bodies` (≤ 100, under 1 MiB) to `jobId`; resolves to the per-task results, like `client.task.addCollection`. */
export async function addTaskCollection(
  client: BatchClient,
  jobId: string,
  bodies: TaskBody[],
  options: { abortSignal?: AbortSignal } = {},
): Promise<BatchServiceModels.TaskAddCollectionResponse> {
  let spec = specs.get(client);
  if (!spec) {
    spec = addCollectionSpec(client);
    specs.set(client, spec);
  }
  const send = (client.sendOperationRequest as unknown as SendOperation).bind(client);
  return (await send({ jobId, collectionJson: collectionJson(bodies), options }, spec)) as BatchServiceModels.TaskAddCollectionResponse;
}
