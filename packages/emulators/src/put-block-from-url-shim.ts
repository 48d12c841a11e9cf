/**
 * A loopback proxy in front of Azurite that STANDS IN FOR THE AZURE BLOB SERVICE where Azurite
 * falls short: Azurite refuses copy sources outside itself (`CannotVerifyCopySource`) and does not
 * implement Put Block From URL. The real service serves both by fetching the source itself; this
 * shim does the same, so the server-side S3 → Blob path is tested end to end:
 *
 * - `PUT ?comp=block` with `x-ms-copy-source` (Put Block From URL): the shim fetches the source
 *   range (`x-ms-source-range`, `x-ms-copy-source-authorization`), checks
 *   `x-ms-source-content-md5` when given, and stores the block in Azurite with Put Block.
 * - `PUT` with `x-ms-copy-source` and a source outside Azurite: Put Blob From URL (it names
 *   `x-ms-blob-type`; answered 201 with the stored Content-MD5) or Copy Blob / Copy Blob From URL
 *   (completes synchronously, `x-ms-copy-status: success`); the shim stores the source with Put Blob.
 * - Pulled bytes stream from the source into Azurite as they arrive, as the service streams them.
 * - Everything else passes through unchanged.
 *
 * Authorization stays Azurite's: each copy request is first sent to Azurite as it came; only when
 * Azurite got past authentication and authorization (and then refused the source or the
 * operation) does the shim do the work, storing the data with a SAS it signs itself.
 * The shim counts the bytes it pulled from sources and the bytes clients sent and received
 * through it, so tests can measure what passed through the runner.
 *
 * A test tool only; never the product's engine.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable, Transform } from 'node:stream';
import { blobEnv, type BlobEndpointHandle } from './azurite.js';

export interface BlobShimStats {
  /** Source bytes the shim fetched on behalf of the service (Put Block From URL, Copy Blob). */
  bytesPulled: number;
  /** Put Block From URL and Copy Blob From URL requests served by the shim. */
  copyRequests: number;
  /** Request-body bytes clients sent through the shim (what the runner uploaded). */
  clientBytesIn: number;
  /** Response-body bytes clients received through the shim (what the runner downloaded). */
  clientBytesOut: number;
}

export interface BlobShimHandle extends BlobEndpointHandle {
  port: number;
  stats(): BlobShimStats;
  resetStats(): void;
}

export interface StartBlobShimOptions {
  /** The Azurite to stand in front of. */
  azurite: Pick<BlobEndpointHandle, 'blobEndpoint' | 'accountName' | 'accountKey'>;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The pulled bytes do not hash to `x-ms-source-content-md5`. */
class Md5Mismatch extends Error {}

const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);

/** Starts the Put Block From URL shim on an ephemeral loopback port. */
export async function startBlobShim(options: StartBlobShimOptions): Promise<BlobShimHandle> {
  const target = new URL(options.azurite.blobEndpoint);
  const { accountName, accountKey } = options.azurite;
  const stats: BlobShimStats = { bytesPulled: 0, copyRequests: 0, clientBytesIn: 0, clientBytesOut: 0 };
  const { StorageSharedKeyCredential, generateBlobSASQueryParameters, BlobSASPermissions } = await import('@azure/storage-blob');
  const credential = new StorageSharedKeyCredential(accountName, accountKey);
  let shimHost = '';

  function send(method: string, path: string, headers: IncomingHttpHeaders, body?: Buffer | Readable): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest({ host: target.hostname, port: target.port, method, path, headers }, resolve);
      outgoing.once('error', reject);
      if (body instanceof Readable) {
        body.once('error', (error) => outgoing.destroy(error)); // an aborted body stores nothing
        body.pipe(outgoing);
      } else outgoing.end(body);
    });
  }

  async function collect(message: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of message) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  function reply(res: ServerResponse, { status, headers, body }: Reply): void {
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_HEADERS.has(name)) out[name] = value;
    out['content-length'] = String(body.length);
    stats.clientBytesOut += body.length;
    res.writeHead(status, out);
    res.end(body);
  }

  function serviceError(status: number, code: string, message: string): Reply {
    const body = Buffer.from(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
    return { status, headers: { 'content-type': 'application/xml', 'x-ms-error-code': code }, body };
  }

  /** A SAS for one blob, signed by the shim to store what it pulled. */
  function blobSas(pathname: string): string {
    const parts = pathname.split('/').filter(Boolean).slice(1); // drop the account segment
    const containerName = parts[0] ?? '';
    const blobName = decodeURIComponent(parts.slice(1).join('/'));
    return generateBlobSASQueryParameters(
      { containerName, blobName, permissions: BlobSASPermissions.parse('cw'), expiresOn: new Date(Date.now() + 3600_000) },
      credential,
    ).toString();
  }

  /**
   * Fetches the source (range) for the service. The bytes stream from the source into Azurite as
   * they arrive (as the service streams; no whole-block buffering); `x-ms-source-content-md5` is
   * checked on the way, and a mismatch aborts the store so no block or blob is kept.
   */
  async function pullSource(
    req: IncomingMessage,
  ): Promise<{ ok: true; body: Readable; length?: number; contentType?: string } | { ok: false; reply: Reply }> {
    const source = String(req.headers['x-ms-copy-source']);
    const headers: Record<string, string> = {};
    const range = req.headers['x-ms-source-range'];
    if (typeof range === 'string') headers.range = range;
    const auth = req.headers['x-ms-copy-source-authorization'];
    if (typeof auth === 'string') headers.authorization = auth;
    let response: Response;
    try {
      response = await fetch(source, { headers });
    } catch {
      return { ok: false, reply: serviceError(500, 'CannotVerifyCopySource', 'Could not reach the copy source.') };
    }
    if (!response.ok || !response.body) {
      const drained = Buffer.from(await response.arrayBuffer());
      stats.bytesPulled += drained.length;
      return { ok: false, reply: serviceError(response.status, 'CannotVerifyCopySource', `The copy source answered ${response.status}.`) };
    }
    const expectedMd5 = req.headers['x-ms-source-content-md5'];
    const hash = createHash('md5');
    // The last chunk is held back until the MD5 is checked, so a mismatch never completes the store.
    let held: Buffer | undefined;
    const check = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        stats.bytesPulled += chunk.length;
        hash.update(chunk);
        const previous = held;
        held = chunk;
        done(null, previous);
      },
      flush(done) {
        if (typeof expectedMd5 === 'string' && hash.digest('base64') !== expectedMd5) return done(new Md5Mismatch());
        done(null, held);
      },
    });
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>).pipe(check);
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    return {
      ok: true,
      body,
      ...(Number.isFinite(length) ? { length } : {}),
      contentType: response.headers.get('content-type') ?? undefined,
    };
  }

  const md5MismatchReply = () =>
    serviceError(400, 'Md5Mismatch', 'The MD5 value specified in the request did not match the MD5 value calculated by the server.');

  async function serveCopy(req: IncomingMessage, res: ServerResponse, url: URL, isBlock: boolean): Promise<void> {
    const requestBody = await collect(req);
    stats.clientBytesIn += requestBody.length;
    // Let Azurite authenticate and authorize the request exactly as it came.
    const first = await send('PUT', req.url!, req.headers, requestBody);
    const firstBody = await collect(first);
    const errorCode = first.headers['x-ms-error-code'];
    const authorizedButRefused = first.statusCode === 501 || errorCode === 'CannotVerifyCopySource' || errorCode === 'NotImplemented';
    if (!authorizedButRefused) return reply(res, { status: first.statusCode ?? 500, headers: first.headers, body: firstBody });

    stats.copyRequests += 1;
    const pulled = await pullSource(req);
    if (!pulled.ok) return reply(res, pulled.reply);
    // Put Blob From URL names the blob type; Copy Blob (From URL) does not.
    const putBlobFromUrl = !isBlock && req.headers['x-ms-blob-type'] !== undefined;
    let body: Readable | Buffer = pulled.body;
    let length = pulled.length;
    if (length === undefined) {
      try {
        body = await collect(pulled.body as unknown as IncomingMessage);
      } catch (error) {
        if (error instanceof Md5Mismatch) return reply(res, md5MismatchReply());
        throw error;
      }
      length = body.length;
    }
    const headers: IncomingHttpHeaders = { 'x-ms-version': req.headers['x-ms-version'], 'content-length': String(length) };
    let path: string;
    if (isBlock) {
      path = `${url.pathname}?comp=block&blockid=${encodeURIComponent(url.searchParams.get('blockid') ?? '')}&${blobSas(url.pathname)}`;
    } else {
      path = `${url.pathname}?${blobSas(url.pathname)}`;
      headers['x-ms-blob-type'] = 'BlockBlob';
      headers['x-ms-blob-content-type'] = req.headers['x-ms-blob-content-type'] ?? pulled.contentType ?? 'application/octet-stream';
      for (const [name, value] of Object.entries(req.headers))
        if (name.startsWith('x-ms-meta-') || (putBlobFromUrl && name.startsWith('x-ms-blob-content-'))) headers[name] = value;
    }
    let stored: IncomingMessage;
    let mismatch = false;
    if (body instanceof Readable) {
      body.once('error', (error: unknown) => {
        mismatch ||= error instanceof Md5Mismatch;
      });
    }
    try {
      stored = await send('PUT', path, headers, body);
    } catch (error) {
      if (mismatch) return reply(res, md5MismatchReply());
      throw error;
    }
    const storedBody = await collect(stored);
    if (mismatch) return reply(res, md5MismatchReply());
    if (isBlock || stored.statusCode !== 201)
      return reply(res, { status: stored.statusCode ?? 500, headers: stored.headers, body: storedBody });
    const common = {
      etag: stored.headers.etag,
      'last-modified': stored.headers['last-modified'],
      'x-ms-request-id': stored.headers['x-ms-request-id'],
      'x-ms-version': stored.headers['x-ms-version'],
      date: stored.headers.date,
    };
    // Put Blob From URL answers like Put Blob (201, the stored Content-MD5); Copy Blob From URL
    // completes synchronously (202, copy status success).
    if (putBlobFromUrl)
      return reply(res, {
        status: 201,
        headers: { ...common, 'content-md5': stored.headers['content-md5'], 'x-ms-request-server-encrypted': 'false' },
        body: Buffer.alloc(0),
      });
    reply(res, { status: 202, headers: { ...common, 'x-ms-copy-id': randomUUID(), 'x-ms-copy-status': 'success' }, body: Buffer.alloc(0) });
  }

  async function passThrough(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.on('data', (chunk: Buffer) => (stats.clientBytesIn += chunk.length));
    const upstream = await send(req.method ?? 'GET', req.url!, req.headers, req);
    upstream.on('data', (chunk: Buffer) => (stats.clientBytesOut += chunk.length));
    res.writeHead(upstream.statusCode ?? 500, upstream.headers);
    upstream.pipe(res);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const source = req.headers['x-ms-copy-source'];
    let handled: Promise<void>;
    if (req.method === 'PUT' && typeof source === 'string') {
      const isBlock = url.searchParams.get('comp') === 'block';
      const sourceHost = URL.canParse(source) ? new URL(source).host : '';
      const insideAzurite = sourceHost === shimHost || sourceHost === target.host;
      handled = isBlock || (!url.searchParams.has('comp') && !insideAzurite) ? serveCopy(req, res, url, isBlock) : passThrough(req, res);
    } else {
      handled = passThrough(req, res);
    }
    handled.catch((error: unknown) => {
      if (!res.headersSent) reply(res, serviceError(500, 'InternalError', `shim: ${(error as Error).message}`));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  shimHost = `127.0.0.1:${port}`;
  const blobEndpoint = `http://${shimHost}/${accountName}`;
  return {
    port,
    blobEndpoint,
    accountName,
    accountKey,
    ...blobEnv(blobEndpoint),
    stats: () => ({ ...stats }),
    resetStats() {
      Object.assign(stats, { bytesPulled: 0, copyRequests: 0, clientBytesIn: 0, clientBytesOut: 0 });
    },
    stop() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
