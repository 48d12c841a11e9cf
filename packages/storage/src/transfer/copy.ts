import { settlePool } from '@mxn/async';
import { StoreError } from '../errors.js';
import type { ObjectInfo, Store } from '../store.js';
import { copyMethod, copyObject, isIdentical, type CopyMethod } from './copy-object.js';
import { openStore } from '../open-store.js';
import { locateDestination, locateSource } from './locate.js';
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
  /** Decide what would be copied (and how) and what skipped, in `result.planned`; write nothing. Default false. */
  dryRun?: boolean;
}

/** One object of a dry run (`CopyOptions.dryRun`). */
export interface PlannedObject {
  /** Key at the destination. */
  key: string;
  size: number;
  action: 'copy' | 'skip';
  /** For `copy`: how it would go. */
  method?: CopyMethod;
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
  /**
   * Dry runs only: every object in source order, what would happen to it. `copied` and `skipped`
   * say the same, and `bytes` is what would be copied.
   */
  planned?: PlannedObject[];
}

/**
 * Copies an object or every object under a prefix from `source` to `destination` (URIs, paths or
 * Stores), in both directions between any two stores. A source ending in `/` is a prefix; otherwise
 * an existing object is copied to `destination` (or into it when `destination` ends in `/`), else
 * every object under it; a source without `/` that names nothing throws a `NotFound` StoreError.
 *
 * Objects go server-side where the destination can pull from a signed source URL (S3 → Blob with
 * Put Block From URL), else they stream through this process (S3 multipart parts in parallel).
 * Identical objects are skipped, every written object is verified (a bad one is removed), transient
 * errors are retried with backoff. Throws a StoreError naming the failed objects once all are tried.
 */
export async function copy(source: string | Store, destination: string | Store, options: CopyOptions = {}): Promise<CopyResult> {
  const started = Date.now();
  const located = await locateSource(source);
  const skipIdentical = options.skipIdentical ?? true;
  const serverSide = options.serverSide ?? true;
  const jobs: { info: ObjectInfo; from: Store; to: Store; toKey: string }[] = [];
  // For a prefix, one paged listing of the destination decides the skips (no HEAD per object).
  let existing: Map<string, ObjectInfo> | undefined;
  if (located.kind === 'object') {
    const target = await locateDestination(destination, located.key);
    jobs.push({ info: located.info, from: located.store, to: target.store, toKey: target.key });
  } else {
    const to = typeof destination === 'string' ? await openStore(destination) : destination;
    // A destination that does not exist yet holds nothing; one that cannot be listed (say, a
    // write-only SAS) falls back to a HEAD per object, whose failures are reported per object.
    const listDestination = async (): Promise<Map<string, ObjectInfo> | undefined> => {
      if (!skipIdentical) return undefined;
      const found = new Map<string, ObjectInfo>();
      try {
        for await (const info of to.list()) found.set(info.key, info);
      } catch (error) {
        return (error as StoreError).code === 'NotFound' ? found : undefined;
      }
      return found;
    };
    const listSource = async () => {
      for await (const info of located.store.list()) jobs.push({ info, from: located.store, to, toKey: info.key });
    };
    [existing] = await Promise.all([listDestination(), listSource()]);
    // A source that names neither an object nor a prefix holding any is a mistake, not an empty copy.
    if (jobs.length === 0 && typeof source === 'string' && !source.split('?')[0]!.endsWith('/')) {
      throw new StoreError('NotFound', `copy: ${source.split('?')[0]} does not exist (no object, and no objects under it)`, {
        hint: 'check the source; a prefix that may be empty ends with "/"',
      });
    }
  }
  const listedAt = (key: string) => (existing ? (existing.get(key) ?? null) : undefined);

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
  if (options.dryRun)
    return dryRun(jobs, { skipIdentical, serverSide, concurrency: options.concurrency ?? 8, listedAt, options, result, started });
  const outcomes = await settlePool(jobs, options.concurrency ?? 8, async (job) => {
    const { info } = job;
    try {
      if (skipIdentical && (await withRetry(() => isIdentical(job.from, info, job.to, job.toKey, listedAt(job.toKey)), options.retry))) {
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
            serverSide,
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

  const failures = outcomes.flatMap((outcome, i) =>
    outcome.status === 'rejected' ? [{ key: jobs[i]!.toKey, error: outcome.reason as Error }] : [],
  );
  if (failures.length > 0) {
    const first = failures[0]!;
    // The first failure's code to branch on; the copy as a whole failed on the way (run it again to finish): exit class failure.
    const code = first.error instanceof StoreError || first.error?.name === 'StoreError' ? (first.error as StoreError).code : 'Failed';
    const message = (first.error?.message ?? String(first.error)).replace(/^store: /, '');
    throw Object.assign(
      new StoreError(
        code,
        `copy: ${failures.length} of ${jobs.length} objects failed (${result.copied.length} copied, ${result.skipped.length} skipped); ` +
          `first: ${first.key}: ${message}. Run the copy again to finish it; objects already copied are skipped.`,
        { cause: first.error, exitClass: 'failure' },
      ),
      { result, failures },
    );
  }
  return result;
}

interface DryRunContext {
  skipIdentical: boolean;
  serverSide: boolean;
  concurrency: number;
  listedAt: (key: string) => ObjectInfo | null | undefined;
  options: CopyOptions;
  result: CopyResult;
  started: number;
}

/** The same decisions as a copy (identity check, server-side or streamed), nothing written. */
async function dryRun(jobs: { info: ObjectInfo; from: Store; to: Store; toKey: string }[], context: DryRunContext): Promise<CopyResult> {
  const { result } = context;
  const outcomes = await settlePool(jobs, context.concurrency, async (job): Promise<PlannedObject> => {
    const skip =
      context.skipIdentical &&
      (await withRetry(() => isIdentical(job.from, job.info, job.to, job.toKey, context.listedAt(job.toKey)), context.options.retry));
    return skip
      ? { key: job.toKey, size: job.info.size, action: 'skip' }
      : { key: job.toKey, size: job.info.size, action: 'copy', method: copyMethod(job.from, job.to, context.serverSide) };
  });
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  result.planned = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<PlannedObject>).value);
  for (const item of result.planned) {
    if (item.action === 'skip') result.skipped.push(item.key);
    else {
      result.copied.push({ key: item.key, size: item.size, method: item.method! });
      result.bytes += item.size;
    }
  }
  result.elapsedMs = Date.now() - context.started;
  return result;
}
