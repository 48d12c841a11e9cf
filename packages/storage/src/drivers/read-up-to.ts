import { Readable } from 'node:stream';

export interface BodyStart {
  /** The chunks read so far, in order. */
  chunks: Buffer[];
  /** Their total length. */
  bytes: number;
  /** True when the body ended within the limit: `chunks` are all of it. */
  ended: boolean;
  /** The whole body again as a stream: the chunks read, then the rest of the source. */
  whole(): Readable;
}

/**
 * Reads `source` until it ends or more than `limit` bytes have come, so a writer can tell a body
 * that fits one request (sent as it is, with a known length and MD5) from one that needs parts.
 */
export async function readUpTo(source: Readable, limit: number): Promise<BodyStart> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const chunks: Buffer[] = [];
  let bytes = 0;
  let ended = false;
  while (bytes <= limit) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    chunks.push(chunk);
    bytes += chunk.length;
  }
  return {
    chunks,
    bytes,
    ended,
    whole: () =>
      Readable.from(
        (async function* () {
          yield* chunks;
          if (ended) return;
          for (;;) {
            const next = await iterator.next();
            if (next.done) return;
            yield next.value;
          }
        })(),
        { objectMode: false },
      ),
  };
}
