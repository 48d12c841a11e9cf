/**
 * The HTTP side shared by the loopback AWS fakes: finds the operation (rest-json by method and path,
 * JSON 1.1 by `X-Amz-Target`), records the request, adds injected latency, checks the SigV4 signature,
 * answers injected faults, validates the body against the spec facts (answering the operation's documented
 * bad-input error), calls the handler and writes its answer or error in the service's shape.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsServiceError, errorResponse } from './errors.js';
import { AwsValidationError, type AwsSpecFacts, validateInput, validationErrorCode } from './facts.js';
import type { AwsInjector } from './inject.js';
import { verifySigV4, type AwsCredentials } from './sigv4.js';

/** One request as a fake received it. */
export interface AwsRecordedRequest {
  /** The operation (`SubmitJob`, `DescribeImages`, …), or `Unknown`. */
  operation: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  /** The error code answered, if any. */
  error?: string;
}

export type AwsHandler = (input: Record<string, unknown>) => unknown;

export interface AwsHttpOptions {
  facts: AwsSpecFacts;
  handlers: Record<string, AwsHandler>;
  credentials: () => readonly AwsCredentials[];
  clock: () => Date;
  /** The region the signature's credential scope must name. */
  region: string;
  injector: AwsInjector;
  port?: number;
}

export interface AwsHttpServer {
  url: string;
  calls: Record<string, number>;
  requests: AwsRecordedRequest[];
  stop(): Promise<void>;
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

/** The operation a request names, or undefined. */
function operationOf(facts: AwsSpecFacts, method: string, path: string, headers: Record<string, string>): string | undefined {
  if (facts.service.protocol === 'json') {
    const target = headers['x-amz-target'] ?? '';
    const [prefix, name] = target.split('.');
    return prefix === facts.service.targetPrefix && name && facts.operations[name] && method === 'POST' ? name : undefined;
  }
  return Object.entries(facts.operations).find(([, op]) => op.method === method && op.path === path)?.[0];
}

/** Starts the HTTP side of a fake on 127.0.0.1. */
export async function startAwsHttp(options: AwsHttpOptions): Promise<AwsHttpServer> {
  const { facts } = options;
  const calls: Record<string, number> = {};
  const requests: AwsRecordedRequest[] = [];
  const protocol = facts.service.protocol;
  const contentType = protocol === 'json' ? 'application/x-amz-json-1.1' : 'application/json';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const headers = headersOf(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const operation = operationOf(facts, method, url.pathname, headers) ?? 'Unknown';
    const record: AwsRecordedRequest = { operation, method, url: req.url ?? '/', headers, body, status: 0 };
    requests.push(record);
    calls[operation] = (calls[operation] ?? 0) + 1;
    const send = (status: number, extra: Record<string, string>, text: string): void => {
      record.status = status;
      res.writeHead(status, { date: options.clock().toUTCString(), 'content-length': Buffer.byteLength(text), ...extra });
      res.end(text);
    };
    try {
      const latency = options.injector.latency(operation);
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));
      const query: Record<string, string | string[]> = {};
      for (const [k, v] of url.searchParams) query[k] = v;
      await verifySigV4(
        { method, path: url.pathname, query, headers, body },
        options.credentials(),
        facts.service.signingName,
        options.clock(),
        options.region,
      );
      if (operation === 'Unknown') {
        throw protocol === 'json'
          ? new AwsServiceError('UnknownOperationException', `Operation ${headers['x-amz-target'] ?? ''} is not supported.`, 400)
          : new AwsServiceError('UnknownOperationException', `No operation matches ${method} ${url.pathname}.`, 404);
      }
      const injected = options.injector.error(operation);
      if (injected) throw injected;
      let input: unknown;
      try {
        input = body.trim() === '' ? {} : JSON.parse(body);
      } catch {
        throw new AwsServiceError('SerializationException', 'Unable to parse the request body as JSON.', 400);
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new AwsServiceError('SerializationException', 'The request body must be a JSON object.', 400);
      }
      try {
        validateInput(facts, operation, input as Record<string, unknown>);
      } catch (e) {
        // The error the operation's description lists for bad input (Batch: ClientException; ECR: InvalidParameterException).
        if (e instanceof AwsValidationError) {
          throw new AwsServiceError(validationErrorCode(facts, operation), `1 validation error detected: ${e.message}`, 400);
        }
        throw e;
      }
      const handler = options.handlers[operation];
      if (!handler) throw new AwsServiceError('UnknownOperationException', `${operation} is not implemented by the loopback fake.`, 501);
      const answer = await handler(input as Record<string, unknown>);
      send(200, { 'content-type': contentType, 'x-amzn-requestid': crypto.randomUUID() }, JSON.stringify(answer ?? {}));
    } catch (e) {
      const error =
        e instanceof AwsServiceError
          ? e
          : new AwsServiceError(protocol === 'json' ? 'ServerException' : 'ServerException', `loopback fake: ${(e as Error).message}`, 500);
      record.error = error.code;
      const answer = errorResponse(error, protocol);
      send(answer.status, answer.headers, answer.body);
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    requests,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
