import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';

/** Turns a write body into a stream. */
export function toReadable(body: Readable | Uint8Array | string): Readable {
  return typeof body === 'string' || body instanceof Uint8Array ? Readable.from([Buffer.from(body)]) : body;
}

export interface ChecksumStreamOptions {
  /**
   * Compute the MD5 of what flows. Hashing is most of a streamed copy's CPU, so skip it where
   * something else verifies the bytes. Default true.
   */
  md5?: boolean;
  /** Called with each chunk's length as it passes. */
  onBytes?: (bytes: number) => void;
}

/** A pass-through that counts bytes and (unless `md5: false`) computes the MD5 of what flowed. */
export class ChecksumStream extends Transform {
  /** Bytes that flowed so far (not `size`: upload helpers read `size` as a known length). */
  bytes = 0;
  private readonly whole: Hash | undefined;
  private readonly onBytes: ((bytes: number) => void) | undefined;

  constructor(options: ChecksumStreamOptions = {}) {
    super();
    this.whole = options.md5 === false ? undefined : createHash('md5');
    this.onBytes = options.onBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    this.whole?.update(chunk);
    this.onBytes?.(chunk.length);
    done(null, chunk);
  }

  /** Base64 MD5 of everything (`undefined` with `md5: false`); call after the stream ended. */
  md5(): string | undefined {
    return this.whole?.copy().digest('base64');
  }
}

/** `"hex"` ETag → base64 MD5 when it is a plain MD5 ETag (single-part upload, no KMS). */
export function md5FromEtag(etag: string | undefined): string | undefined {
  const clean = etag?.replace(/"/g, '');
  return clean && /^[0-9a-f]{32}$/i.test(clean) ? Buffer.from(clean, 'hex').toString('base64') : undefined;
}

/** A pass-through that keeps only bytes `start`..`end` (inclusive) of what flows. */
export function sliceBytes(start: number, end = Number.POSITIVE_INFINITY): Transform {
  let offset = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const from = Math.max(start - offset, 0);
      const to = Math.min(end + 1 - offset, chunk.length);
      offset += chunk.length;
      done(null, to > from ? chunk.subarray(from, to) : undefined);
    },
  });
}
