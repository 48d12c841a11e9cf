import { Transform } from 'node:stream';
import { StoreError } from '../errors.js';
import { ChecksumStream } from '../drivers/checksum-stream.js';
import type { ObjectInfo, Store } from '../store.js';
import { isTransient } from './retry.js';

export type CopyMethod = 'server-side' | 'stream';

export interface ObjectCopy {
  source: Store;
  sourceKey: string;
  sourceInfo: ObjectInfo;
  destination: Store;
  destinationKey: string;
  /** Try the destination's server-side copy from a presigned source URL. */
  serverSide: boolean;
  urlExpiresIn: number;
  /** Called with byte counts as data flows through this process (or per object for server-side copies). */
  onBytes: (bytes: number) => void;
}

/** True when the destination already holds the same bytes: equal size and equal MD5. */
export async function isIdentical(source: Store, info: ObjectInfo, destination: Store, key: string): Promise<boolean> {
  const there = await destination.head(key);
  if (!there || there.size !== info.size) return false;
  const sourceMd5 = info.md5 ?? (await source.head(info.key))?.md5;
  return sourceMd5 !== undefined && there.md5 === sourceMd5;
}

/** Copies one object: server-side where the destination can pull from a signed URL, else streamed and verified. */
export async function copyObject(job: ObjectCopy): Promise<CopyMethod> {
  const { source, destination, destinationKey: key } = job;
  if (job.serverSide && destination.copyFromUrl && source.signedUrl) {
    try {
      const url = await source.signedUrl(job.sourceKey, { access: 'read', expiresIn: job.urlExpiresIn });
      await destination.copyFromUrl(key, url, { size: job.sourceInfo.size, md5: job.sourceInfo.md5 });
      job.onBytes(job.sourceInfo.size);
      return 'server-side';
    } catch (error) {
      // Transient failures are retried whole; others (the service cannot reach the source, …) fall back to streaming.
      if (isTransient(error) || (error as StoreError).code === 'Integrity') throw error;
    }
  }
  await streamObject(job);
  return 'stream';
}

async function streamObject(job: ObjectCopy): Promise<void> {
  const { source, destination, destinationKey: key, sourceInfo } = job;
  const body = await source.read(job.sourceKey);
  const tap = new ChecksumStream();
  // Count bytes in the pipe itself: a 'data' listener would start the flow before a driver that
  // sets up asynchronously (S3's lazy SDK import) reads, and those bytes would be lost.
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      job.onBytes(chunk.length);
      done(null, chunk);
    },
  });
  body.once('error', (error) => tap.destroy(error));
  tap.once('error', (error) => counter.destroy(error));
  const written = await destination.write(key, body.pipe(tap).pipe(counter), { size: sourceInfo.size });
  const sent = tap.md5();
  const problems: string[] = [];
  if (tap.bytes !== sourceInfo.size) problems.push(`read ${tap.bytes} bytes from the source, expected ${sourceInfo.size}`);
  if (sourceInfo.md5 && sourceInfo.md5 !== sent) problems.push('the bytes read differ from the source checksum');
  if (written.md5 && written.md5 !== sent) problems.push('the destination stored different bytes than were sent (MD5 mismatch)');
  const stored = await destination.head(key);
  if (stored?.size !== sourceInfo.size) problems.push(`the destination holds ${stored?.size ?? 'no'} bytes, expected ${sourceInfo.size}`);
  else if (stored.md5 && stored.md5 !== sent) problems.push('the destination checksum differs from the bytes sent');
  if (problems.length > 0) {
    await destination.delete(key).catch(() => undefined);
    throw new StoreError('Integrity', `copy ${source.uri}/${job.sourceKey} → ${destination.uri}/${key}: ${problems.join('; ')}; the written object was removed`);
  }
}
