import { StoreError } from '../errors.js';
import type { ObjectInfo, Store } from '../store.js';
import { copyObject, isIdentical, type CopyMethod } from './copy-object.js';
import { openStore } from '../open-store.js';
import { locateDestination, locateSource } from './locate.js';
import { runPool } from './pool.js';
import type { CopyProgress } from './progress.js';
import { withRetry, type RetryOptions } from './retry.js';

export interface CopyOptions {
  /** Objects copied at the same time. Default 8. */
  concurrency?: number;
  /** Let the destination pull objects itself from presigned source URLs where it can (S3 → Blob). Default true. */
  serverSide?: boolean;
  /** Skip objects whose size and MD5 already match at the destination. Default true. */
  skipIdentical?: boolean;
  /** Retries of transient failures, per object. */
  retry?: RetryOptions;
  /** Lifetime of the presigned source URLs for server-side copies, seconds. Default 3600. */
  urlExpiresIn?: number;
  /** Called as the copy goes; `renderProgress()` makes one for terminals and CI logs. */
  onProgress?: (progress: CopyProgress) => void;
}

export interface CopiedObject {
  key: string;
  size: number;
  method: CopyMethod;
}

export interface CopyResult {
  copied: CopiedObject[];
  /** Keys already identical at the destination. */
  skipped: string[];
  /** Bytes of the copied objects. */
  bytes: number;
  elapsedMs: number;
}

/**
 * Copies an object or every object under a prefix from `source` to `destination` (URIs, paths or
 * Stores), in both directions between any two stores. A source ending in `/` is a prefix; otherwise
 * an existing object is copied to `destination` (or into it when `destination` ends in `/`).
 *
 * Objects go server-side where the destination can pull from a signed source URL (S3 → Blob with
 * Put Block From URL), else they stream through this process (S3 multipart parts in parallel).
 * Identical objects are skipped, every written object is verified (a bad one is removed), transient
 * errors are retried with backoff. Throws a StoreError naming the failed objects once all are tried.
 */
export async function copy(source: string | Store, destination: string | Store, options: CopyOptions = {}): Promise<CopyResult> {
  const started = Date.now();
  const located = await locateSource(source);
  const jobs: { info: ObjectInfo; from: Store; to: Store; toKey: string }[] = [];
  if (located.kind === 'object') {
    const target = await locateDestination(destination, located.key);
    jobs.push({ info: located.info, from: located.store, to: target.store, toKey: target.key });
  } else {
    const to = typeof destination === 'string' ? await openStore(destination) : destination;
    for await (const info of located.store.list()) jobs.push({ info, from: located.store, to, toKey: info.key });
  }

  const progress: CopyProgress = {
    event: 'start',
    filesTotal: jobs.length,
    filesDone: 0,
    filesSkipped: 0,
    filesFailed: 0,
    bytesTotal: jobs.reduce((sum, job) => sum + job.info.size, 0),
    bytesDone: 0,
    bytesPerSecond: 0,
    elapsedMs: 0,
  };
  const emit = (change: Partial<CopyProgress>) => {
    if (!options.onProgress) return;
    const elapsedMs = Date.now() - started;
    options.onProgress({ ...progress, ...change, elapsedMs, bytesPerSecond: elapsedMs > 0 ? (progress.bytesDone * 1000) / elapsedMs : 0 });
  };
  emit({ event: 'start' });

  const result: CopyResult = { copied: [], skipped: [], bytes: 0, elapsedMs: 0 };
  const outcomes = await runPool(jobs, options.concurrency ?? 8, async (job) => {
    const { info } = job;
    try {
      if ((options.skipIdentical ?? true) && (await withRetry(() => isIdentical(job.from, info, job.to, job.toKey), options.retry))) {
        progress.filesSkipped++;
        progress.bytesDone += info.size;
        result.skipped.push(job.toKey);
        emit({ event: 'skipped', key: job.toKey, size: info.size });
        return;
      }
      const method = await withRetry(async () => {
        let moved = 0;
        try {
          return await copyObject({
            source: job.from,
            sourceKey: info.key,
            sourceInfo: info,
            destination: job.to,
            destinationKey: job.toKey,
            serverSide: options.serverSide ?? true,
            urlExpiresIn: options.urlExpiresIn ?? 3600,
            onBytes: (bytes) => {
              moved += bytes;
              progress.bytesDone += bytes;
              emit({ event: 'bytes', key: job.toKey });
            },
          });
        } catch (error) {
          progress.bytesDone -= moved; // a retry starts the object over
          throw error;
        }
      }, options.retry);
      progress.filesDone++;
      result.copied.push({ key: job.toKey, size: info.size, method });
      result.bytes += info.size;
      emit({ event: 'copied', key: job.toKey, size: info.size, method });
    } catch (error) {
      progress.filesFailed++;
      emit({ event: 'failed', key: job.toKey, size: info.size, error: (error as Error).message });
      throw error;
    }
  });
  result.elapsedMs = Date.now() - started;
  emit({ event: 'done' });

  const failures = outcomes.flatMap((outcome, i) => (outcome.status === 'rejected' ? [{ key: jobs[i]!.toKey, error: outcome.reason as Error }] : []));
  if (failures.length > 0) {
    const first = failures[0]!;
    const code = first.error instanceof StoreError || first.error?.name === 'StoreError' ? (first.error as StoreError).code : 'Failed';
    const message = (first.error?.message ?? String(first.error)).replace(/^store: /, '');
    throw Object.assign(
      new StoreError(code, `copy: ${failures.length} of ${jobs.length} objects failed (${result.copied.length} copied, ${result.skipped.length} skipped); first: ${first.key}: ${message}. Run the copy again to finish it; objects already copied are skipped.`, { cause: first.error }),
      { result, failures },
    );
  }
  return result;
}
