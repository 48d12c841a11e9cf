import crypto from 'node:crypto';
import type { Server, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error s3rver ships no types.
import S3rver from 's3rver';

export interface StartS3Options {
  /** Buckets created at start. Default `['mxn']`. */
  buckets?: string[];
  /** Folder holding the objects. Default: a new temporary folder, removed by `stop()`. */
  directory?: string;
  /** Port to listen on. Default 0 (ephemeral). */
  port?: number;
}

export interface S3Handle {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  port: number;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  buckets: string[];
  directory: string;
  /** `AWS_ENDPOINT_URL_S3`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`. */
  env: Record<string, string>;
  /** Bytes the server sent and received on all connections so far (headers included). */
  traffic(): { bytesOut: number; bytesIn: number };
  /** Drops every connection and stops listening, keeping the objects (a crash, for fault tests). */
  halt(): Promise<void>;
  /** Listens again on the same port with the same objects after `halt()`. */
  resume(): Promise<void>;
  /** Stops the server and removes a temporary folder. */
  stop(): Promise<void>;
}

/**
 * s3rver makes its ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node >= 17) no
 * longer offers, so any truncated listing fails. This module swaps in AES for exactly that
 * algorithm name, which nothing else in a test process can use anyway. Tokens stay opaque and
 * round-trip, as they do on S3.
 */
function patchDesForS3rver(): void {
  const target = crypto as unknown as {
    createCipheriv: typeof crypto.createCipheriv;
    createDecipheriv: typeof crypto.createDecipheriv;
    __mxnDes?: boolean;
  };
  if (target.__mxnDes) return;
  target.__mxnDes = true;
  const widen = (value: Buffer, size: number) => Buffer.concat([value, value, value]).subarray(0, size);
  const { createCipheriv, createDecipheriv } = crypto;
  target.createCipheriv = ((algorithm: string, key: Buffer, iv: Buffer, options?: unknown) =>
    algorithm === 'des'
      ? createCipheriv('aes-128-cbc', widen(key, 16), widen(iv, 16))
      : createCipheriv(algorithm, key, iv, options as never)) as typeof crypto.createCipheriv;
  target.createDecipheriv = ((algorithm: string, key: Buffer, iv: Buffer, options?: unknown) =>
    algorithm === 'des'
      ? createDecipheriv('aes-128-cbc', widen(key, 16), widen(iv, 16))
      : createDecipheriv(algorithm, key, iv, options as never)) as typeof crypto.createDecipheriv;
}

/** s3rver's built-in account; s3rver checks the access key id but not SigV4 signatures. */
const ACCESS_KEY = 'S3RVER';

/** Starts an S3-compatible server (s3rver) on an ephemeral loopback port, in this process. */
export async function startS3(options: StartS3Options = {}): Promise<S3Handle> {
  patchDesForS3rver();
  const buckets = options.buckets ?? ['mxn'];
  const owned = !options.directory;
  const directory = options.directory ?? (await mkdtemp(path.join(tmpdir(), 'mxn-s3-')));
  let port = options.port ?? 0;
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const closed = { bytesOut: 0, bytesIn: 0 };

  async function listen(): Promise<void> {
    const app = new S3rver({ directory, silent: true, configureBuckets: buckets.map((name) => ({ name })) });
    // run() would configure the buckets; this server listens itself, so configure them here.
    await app.configureBuckets();
    const callback = app.callback() as (req: IncomingMessage, res: ServerResponse) => void;
    const { createServer } = await import('node:http');
    const created = createServer(callback);
    created.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => {
        closed.bytesOut += socket.bytesWritten;
        closed.bytesIn += socket.bytesRead;
        sockets.delete(socket);
      });
    });
    await new Promise<void>((resolve, reject) => {
      created.once('error', reject);
      created.listen(port, '127.0.0.1', () => resolve());
    });
    port = (created.address() as { port: number }).port;
    server = created;
  }

  async function halt(): Promise<void> {
    const current = server;
    server = undefined;
    if (!current) return;
    const done = new Promise<void>((resolve) => current.close(() => resolve()));
    current.closeAllConnections();
    for (const socket of sockets) socket.destroy();
    await done;
  }

  await listen();
  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'us-east-1';
  return {
    endpoint,
    port,
    accessKeyId: ACCESS_KEY,
    secretAccessKey: ACCESS_KEY,
    region,
    buckets,
    directory,
    env: { AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: ACCESS_KEY, AWS_REGION: region },
    traffic() {
      let bytesOut = closed.bytesOut;
      let bytesIn = closed.bytesIn;
      for (const socket of sockets) {
        bytesOut += socket.bytesWritten;
        bytesIn += socket.bytesRead;
      }
      return { bytesOut, bytesIn };
    },
    halt,
    async resume() {
      if (!server) await listen();
    },
    async stop() {
      await halt();
      if (owned) await rm(directory, { recursive: true, force: true });
    },
  };
}
