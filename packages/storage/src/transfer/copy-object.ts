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

/**
 * True when the destination already holds the same bytes: equal size and equal MD5. `listed` is
 * what a listing of the destination said about `key` (`null`: the listing has no such key), which
 * saves a HEAD per object; a listed entry without an MD5 (an S3 multipart object keeps it in
 * metadata, which listings omit) is looked up with a HEAD.
 */
export async function isIdentical(
  source: Store,
  info: ObjectInfo,
  destination: Store,
  key: string,
  listed?: ObjectInfo | null,
): Promise<boolean> {
  if (listed === null) return false;
  const there = listed?.md5 !== undefined ? listed : await destination.head(key);
  if (!there || there.size !== info.size) return false;
  const sourceMd5 = info.md5 ?? (await source.head(info.key))?.md5;
  return sourceMd5 !== undefined && there.md5 === sourceMd5;
}

/** How `copyObject` would move an object between these stores. */
export function copyMethod(source: Store, destination: Store, serverSide: boolean): CopyMethod {
  return serverSide && destination.copyFromUrl && source.signedUrl ? 'server-side' : 'stream';
}

/** Copies one object: server-side where the destination can pull from a signed URL, else streamed and verified. */
export async function copyObject(job: ObjectCopy): Promise<CopyMethod> {
  const { source, destination, destinationKey: key } = job;
  if (copyMethod(source, destination, job.serverSide) === 'server-side' && destination.copyFromUrl && source.signedUrl) {
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
  // With the source MD5 known, it goes with the write and the driver checks the bytes it wrote
  // against it (Store contract), so hashing them here too would only spend CPU (MD5 was most of a
  // streamed copy's CPU). Without one, the bytes are hashed here and checked against what the
  // destination reports. Bytes are counted in the pipe itself: a 'data' listener would start the
  // flow before a driver that sets up asynchronously (S3's lazy SDK import) reads, and those bytes
  // would be lost.
  const tap = new ChecksumStream({ md5: !sourceInfo.md5, onBytes: job.onBytes });
  body.once('error', (error) => tap.destroy(error));
  const written = await destination.write(key, body.pipe(tap), {
    size: sourceInfo.size,
    ...(sourceInfo.md5 ? { md5: sourceInfo.md5 } : {}),
  });
  const sent = tap.md5() ?? sourceInfo.md5!;
  const problems: string[] = [];
  if (tap.bytes !== sourceInfo.size) problems.push(`read ${tap.bytes} bytes from the source, expected ${sourceInfo.size}`);
  if (written.md5 && written.md5 !== sent)
    problems.push(
      sourceInfo.md5
        ? 'the destination stored different bytes than the source (MD5 mismatch)'
        : 'the destination stored different bytes than were sent (MD5 mismatch)',
    );
  // Drivers verify a write against the service's own answer (S3 ETag or Content-MD5, Blob
  // Content-MD5 checks) and report size and MD5; only a write that reports no MD5 is checked with a HEAD.
  const stored = written.md5 ? written : await destination.head(key);
  if (stored?.size !== sourceInfo.size) problems.push(`the destination holds ${stored?.size ?? 'no'} bytes, expected ${sourceInfo.size}`);
  else if (stored.md5 && stored.md5 !== sent) problems.push('the destination checksum differs from the bytes sent');
  if (problems.length > 0) {
    await destination.delete(key).catch(() => undefined);
    throw new StoreError(
      'Integrity',
      `copy ${source.uri}/${job.sourceKey} → ${destination.uri}/${key}: ${problems.join('; ')}; the written object was removed`,
    );
  }
}
