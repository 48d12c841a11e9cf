/**
 * HTTP front of the loopback Batch service: matches the spec's paths, records and counts every call,
 * applies injected latency and faults, checks `api-version` and the SharedKey signature, parses the
 * body, turns handler results and `BatchServiceError`s into the service's answers and (unless turned
 * off) checks those answers against the description.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseQuery, queryPairs, verifySharedKey } from './auth.js';
import { BatchServiceError, errorBody } from './errors.js';
import { ResponseShapeError, specFacts, validateResponse } from './spec.js';
import type { Handler, RequestContext } from './context.js';

/** One request as the service received it. */
export interface RecordedRequest {
  /** The service's name for the operation (`Task_AddCollection`, …, `Unknown`; see `operationNames`). */
  operation: string;
  /** The operation's id in the 2025-06-01 description (`Tasks_CreateTaskCollection`), when the path is known. */
  operationId?: string;
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: Record<string, string>;
  body: string;
  status?: number;
  time: string;
}

interface Route {
  operationId: string;
  method: string;
  pattern: RegExp;
  names: string[];
}

const ROUTES: Route[] = Object.entries(specFacts.operations).map(([operationId, op]) => {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${op.path.replace(/\{(\w+)\}/g, (_m, n: string) => {
      names.push(n);
      return '([^/]+)';
    })}$`,
    'i',
  );
  return { operationId, method: op.method, pattern, names };
});

/** The service's operation names by their 2025-06-01 operationId (`Pools_ListSupportedImages` → `Account_ListSupportedImages`). */
export const operationNames: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(specFacts.operations).map(([name, op]) => [op.operationId, name]),
);

export interface RouterDeps extends Omit<RequestContext, 'operationId' | 'params' | 'query' | 'body' | 'rawBody' | 'baseUrl'> {
  accountName: string;
  accountKey: string;
  baseUrl: () => string;
  handlers: Record<string, Handler>;
  calls: Record<string, number>;
  requests: RecordedRequest[];
  /** Check every success answer against the description (a mismatch answers 500). */
  checkResponses: boolean;
}

/**
 * The query names each operation takes: its parameters in the 2025-06-01 description, plus the server timeout
 * as @azure/batch 10.2.0 spells it (`timeout`; 2025 spells it `timeOut`) and `$skiptoken` on the operations that
 * page (the service's own `odata.nextLink`s carry it).
 */
const QUERY_NAMES: Readonly<Record<string, ReadonlySet<string>>> = Object.fromEntries(
  Object.entries(specFacts.operations).map(([name, op]) => {
    const names = new Set(op.query);
    if (names.has('timeOut')) names.add('timeout');
    if (names.has('maxresults')) names.add('$skiptoken');
    return [name, names];
  }),
);

const queryError = (code: string, name: string, value: string, reason: string): BatchServiceError =>
  new BatchServiceError(code, [
    { key: 'QueryParameterName', value: name },
    { key: 'QueryParameterValue', value },
    { key: 'Reason', value: reason },
  ]);

/**
 * Checks the query like the service: `api-version` present, once, and `2025-06-01`; then every other name is one
 * the operation takes (→ 400 `UnsupportedQueryParameter`), given once (→ 400 `InvalidQueryParameterValue`).
 */
function checkQuery(operation: string, pairs: [string, string][]): void {
  const versions = pairs.filter(([name]) => name === 'api-version').map(([, value]) => value);
  if (versions.length === 0)
    throw new BatchServiceError('MissingRequiredQueryParameter', [{ key: 'QueryParameterName', value: 'api-version' }]);
  if (versions.length > 1)
    throw queryError('InvalidQueryParameterValue', 'api-version', versions.join(','), `api-version is given ${versions.length} times.`);
  if (versions[0] !== specFacts.apiVersion) {
    throw queryError(
      'InvalidQueryParameterValue',
      'api-version',
      versions[0]!,
      `The loopback Batch service supports api-version ${specFacts.apiVersion} only.`,
    );
  }
  const known = QUERY_NAMES[operation] ?? new Set<string>();
  const seen = new Set<string>();
  for (const [name, value] of pairs) {
    if (!known.has(name)) {
      throw queryError(
        'UnsupportedQueryParameter',
        name,
        value,
        `${operation} takes ${[...known].sort().join(', ')} (api-version ${specFacts.apiVersion}).`,
      );
    }
    if (seen.has(name)) throw queryError('InvalidQueryParameterValue', name, value, `${name} is given more than once.`);
    seen.add(name);
  }
}

function match(method: string, path: string): { route: Route; params: Record<string, string> } | { pathKnown: boolean } {
  let pathKnown = false;
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    pathKnown = true;
    if (route.method !== method) continue;
    return { route, params: Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) };
  }
  return { pathKnown };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Handles one HTTP request (never throws). */
export async function route(deps: RouterDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const rawUrl = req.url ?? '/';
  const method = (req.method ?? 'GET').toUpperCase();
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = parseQuery(q < 0 ? '' : rawUrl.slice(q + 1));
  const baseUrl = deps.baseUrl();
  const rawBody = await readBody(req);
  const found = match(method, path);
  const operation = 'route' in found ? found.route.operationId : 'Unknown';
  const record: RecordedRequest = {
    operation,
    ...('route' in found ? { operationId: specFacts.operations[operation]!.operationId } : {}),
    method,
    url: rawUrl,
    body: rawBody.toString('utf8'),
    time: new Date().toISOString(),
    headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')])),
  };
  deps.requests.push(record);
  deps.calls[operation] = (deps.calls[operation] ?? 0) + 1;

  const headers: Record<string, string> = { 'request-id': requestId, DataServiceVersion: '3.0' };
  const clientRequestId = req.headers['client-request-id'];
  if (String(req.headers['return-client-request-id']).toLowerCase() === 'true' && clientRequestId)
    headers['client-request-id'] = String(clientRequestId);
  const send = (status: number, body: unknown, extra: Record<string, string> = {}): void => {
    record.status = status;
    const text = body === undefined || method === 'HEAD' ? '' : JSON.stringify(body);
    res.writeHead(status, {
      // The service's clock (the `clock` option), as the service's own Date header.
      Date: deps.settings.clock().toUTCString(),
      ...headers,
      ...extra,
      ...(text ? { 'Content-Type': 'application/json;odata=minimalmetadata' } : {}),
      'Content-Length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  };

  try {
    const delay = deps.injector.latency(operation);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (!('route' in found)) {
      throw found.pathKnown
        ? new BatchServiceError('InvalidHttpVerb')
        : new BatchServiceError('ResourceNotFound', undefined, { message: `The loopback Batch service does not serve ${method} ${path}.` });
    }
    if (!deps.handlers[operation]) {
      throw new BatchServiceError('NotImplemented', undefined, {
        status: 501,
        message: `The loopback Batch service does not implement ${operation}.`,
      });
    }
    const injected = deps.injector.error(operation);
    if (injected) throw injected;
    checkQuery(operation, queryPairs(q < 0 ? '' : rawUrl.slice(q + 1)));
    verifySharedKey(method, rawUrl, req.headers, rawBody.length, deps.accountName, deps.accountKey);
    let body: unknown;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch (e) {
        throw new BatchServiceError('InvalidRequestBody', [
          { key: 'Reason', value: `The body is not valid JSON: ${(e as Error).message}` },
        ]);
      }
    }
    const bodyDef = specFacts.operations[operation]?.body;
    if (bodyDef && specFacts.operations[operation]?.bodyRequired && body === undefined) {
      throw new BatchServiceError('MissingRequiredProperty', [{ key: 'PropertyName', value: bodyDef }], {
        message: 'The request body is missing.',
      });
    }
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      throw new BatchServiceError('InvalidRequestBody', [{ key: 'Reason', value: 'The body must be a JSON object.' }]);
    }
    const result = await deps.handlers[operation]!({
      operationId: operation,
      params: found.params,
      query,
      // an object or undefined: checked just above
      body: body as RequestContext['body'],
      rawBody,
      baseUrl,
      store: deps.store,
      scheduler: deps.scheduler,
      injector: deps.injector,
      settings: deps.settings,
    });
    if (deps.checkResponses && result.status < 300) validateResponse(operation, result.body, !!query.get('$select'));
    send(result.status, result.body, result.headers);
  } catch (e) {
    const reason = e instanceof ResponseShapeError ? `loopback Batch service bug: ${e.message}` : String((e as Error)?.message ?? e);
    const err = e instanceof BatchServiceError ? e : new BatchServiceError('InternalServerError', [{ key: 'Reason', value: reason }]);
    send(err.status, errorBody(baseUrl, err, requestId), err.headers);
  }
}
