import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';

/** Turns a write body into a stream. */
export function toReadable(body: Readable | Uint8Array | string): Readable {
  return typeof body === 'string' || body instanceof Uint8Array ? Readable.from([Buffer.from(body)]) : body;
}

/** A pass-through that counts bytes and computes the MD5 of what flowed (base64), plus the MD5 of each `partSize` slice. */
export class ChecksumStream extends Transform {
  /** Bytes that flowed so far (not `size`: upload helpers read `size` as a known length). */
  bytes = 0;
  readonly partDigests: Buffer[] = [];
  private readonly whole = createHash('md5');
  private part = createHash('md5');
  private partFill = 0;

  constructor(private readonly partSize = Number.POSITIVE_INFINITY) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    this.whole.update(chunk);
    let rest = chunk;
    while (rest.length > 0) {
      const take = Math.min(rest.length, this.partSize - this.partFill);
      this.part.update(rest.subarray(0, take));
      this.partFill += take;
      rest = rest.subarray(take);
      if (this.partFill === this.partSize) this.closePart();
    }
    done(null, chunk);
  }

  private closePart(): void {
    this.partDigests.push(this.part.digest());
    this.part = createHash('md5');
    this.partFill = 0;
  }

  /** Base64 MD5 of everything; call after the stream ended. */
  md5(): string {
    if (this.partFill > 0) this.closePart();
    return this.whole.copy().digest('base64');
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
