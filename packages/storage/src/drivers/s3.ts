import type { CompleteMultipartUploadCommandOutput, S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { StoreError } from '../errors.js';
import { checkKey, joinKey } from '../keys.js';
import type { ListOptions, ReadOptions, SignOptions, Store, WriteOptions } from '../store.js';
import { ChecksumStream, md5FromEtag, sliceBytes, toReadable } from './checksum-stream.js';
import { classify, networkCode, safeStoreError } from './cloud-errors.js';
import { readUpTo } from './read-up-to.js';
import { putSingle } from './s3-single-put.js';

export interface S3StoreOptions {
  /** `s3://bucket/prefix`. */
  uri: string;
  /** Region. Default: the SDK's chain (`AWS_REGION`, `AWS_DEFAULT_REGION`, profile), else `us-east-1`. */
  region?: string;
  /** Endpoint URL. Default: the SDK reads `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`. */
  endpoint?: string;
  /** Path-style addressing. Default: true when the endpoint's host is an IP address or `localhost`. */
  forcePathStyle?: boolean;
  /** Static credentials. Default: the SDK's default chain (environment, profile, web identity / OIDC, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Multipart part size in bytes (S3's minimum is 5 MiB). Default 8 MiB. */
  partSize?: number;
  /** Parts uploaded in parallel for one object. Default 4. */
  queueSize?: number;
  /** SDK attempts per request (the SDK's own retry with backoff). Default 3. */
  maxAttempts?: number;
}

const NOT_FOUND = ['NoSuchKey', 'NotFound', 'NoSuchBucket', 'NoSuchUpload'];
const DENIED = [
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'CredentialsProviderError',
  'AllAccessDisabled',
];
const TRANSIENT = [
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'InternalError',
  'ServiceUnavailable',
];

/** Parses `s3://bucket/prefix` into bucket and key prefix (no leading or trailing slash). */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/?#]+)\/?([^?#]*)$/i.exec(uri);
  if (!match?.[1]) throw new StoreError('InvalidUri', `"${uri}" is not an S3 URI; expected s3://bucket/prefix`);
  return { bucket: match[1], prefix: joinKey(match[2] ?? '') };
}

function isLocalHost(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':');
  } catch {
    return false;
  }
}

interface Context {
  client: S3Client;
  sdk: typeof import('@aws-sdk/client-s3');
  bucket: string;
  secrets: (string | undefined)[];
  partSize: number;
  queueSize: number;
}

/** A Store on an S3 bucket (or an S3-compatible server). The AWS SDK is loaded on first use. */
export async function s3Store(options: S3StoreOptions): Promise<Store> {
  const { bucket, prefix } = parseS3Uri(options.uri);
  const sdk = await import('@aws-sdk/client-s3');
  const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const custom = endpoint !== undefined;
  const config: S3ClientConfig = {
    forcePathStyle: options.forcePathStyle ?? isLocalHost(endpoint),
    maxAttempts: options.maxAttempts ?? 3,
  };
  if (options.endpoint) config.endpoint = options.endpoint;
  if (options.credentials) config.credentials = options.credentials;
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  config.region = region ?? (custom || !process.env.AWS_PROFILE ? 'us-east-1' : undefined);
  // S3-compatible servers rarely understand the SDK's default trailing CRC checksums; ask for them
  // only where the service requires them unless the environment says otherwise.
  if (custom && !process.env.AWS_REQUEST_CHECKSUM_CALCULATION) config.requestChecksumCalculation = 'WHEN_REQUIRED';
  if (custom && !process.env.AWS_RESPONSE_CHECKSUM_VALIDATION) config.responseChecksumValidation = 'WHEN_REQUIRED';
  const client = new sdk.S3Client(config);
  const context: Context = {
    client,
    sdk,
    bucket,
    secrets: [
      options.credentials?.secretAccessKey,
      options.credentials?.sessionToken,
      process.env.AWS_SECRET_ACCESS_KEY,
      process.env.AWS_SESSION_TOKEN,
    ],
    partSize: options.partSize ?? 8 * 1024 * 1024,
    queueSize: options.queueSize ?? 4,
  };
  return makeS3Store(context, prefix);
}

function mapError(context: Context, error: unknown, what: string): StoreError {
  if (error instanceof StoreError) return error;
  const e = error as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const code = networkCode(error) ?? e.Code ?? e.name;
  const facts = { status: e.$metadata?.httpStatusCode, code, message: e.message || code || 'request failed' };
  return safeStoreError(classify(facts, NOT_FOUND, DENIED, TRANSIENT), `s3 ${what}`, facts, context.secrets);
}

function makeS3Store(context: Context, root: string): Store {
  const { client, sdk, bucket } = context;
  const fullKey = (key: string) => joinKey(root, checkKey(key));
  const rootPrefix = root ? `${root}/` : '';
  const where = (key: string) => `s3://${bucket}/${fullKey(key)}`;
  const call = async <T>(what: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      throw mapError(context, error, what);
    }
  };

  const store: Store = {
    uri: `s3://${bucket}${root ? `/${root}` : ''}`,
    capabilities: { signedUrls: true, prefixSignedUrls: false, serverSideCopyFromUrl: false },

    async *list({ prefix = '', pageSize }: ListOptions = {}) {
      let token: string | undefined;
      do {
        const page = await call(`list s3://${bucket}/${rootPrefix}${prefix}`, () =>
          client.send(
            new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: rootPrefix + prefix, MaxKeys: pageSize, ContinuationToken: token }),
          ),
        );
        for (const item of page.Contents ?? []) {
          if (!item.Key || item.Key.endsWith('/')) continue;
          yield {
            key: item.Key.slice(rootPrefix.length),
            size: item.Size ?? 0,
            etag: item.ETag,
            md5: md5FromEtag(item.ETag),
            lastModified: item.LastModified,
          };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    async head(key) {
      try {
        const found = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: fullKey(key) }));
        const md5 = found.Metadata?.['mxn-md5'] ?? md5FromEtag(found.ServerSideEncryption === 'aws:kms' ? undefined : found.ETag);
        return { key: checkKey(key), size: found.ContentLength ?? 0, etag: found.ETag, md5, lastModified: found.LastModified };
      } catch (error) {
        const mapped = mapError(context, error, `head ${where(key)}`);
        if (mapped.code === 'NotFound') return undefined;
        throw mapped;
      }
    },

    async read(key, { start, end }: ReadOptions = {}) {
      const range = start !== undefined || end !== undefined ? `bytes=${start ?? 0}-${end ?? ''}` : undefined;
      const got = await call(`read ${where(key)}`, () =>
        client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: fullKey(key), Range: range })),
      );
      const body = got.Body as Readable;
      if (!range) return body;
      // HTTP lets a server ignore Range or send more than asked (s3rver answers `bytes=0-0` with the
      // whole object); keep exactly the bytes asked for, relative to what the server says it sent.
      const sent = /bytes (\d+)-(\d+)/.exec(got.ContentRange ?? '');
      const sentStart = sent ? Number(sent[1]) : 0;
      const sentEnd = sent ? Number(sent[2]) : Number.POSITIVE_INFINITY;
      const want = { start: start ?? 0, end: end ?? Number.POSITIVE_INFINITY };
      if (sentStart === want.start && (sentEnd === want.end || (end === undefined && sent))) return body;
      return body.pipe(sliceBytes(want.start - sentStart, want.end - sentStart));
    },

    async write(key, body, options: WriteOptions = {}) {
      const target = fullKey(key);
      const known = options.md5;
      const what = `write ${where(key)}`;
      const reject = async (why: string): Promise<never> => {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: target })).catch(() => undefined);
        throw new StoreError('Integrity', `s3 ${what}: ${why}; the object was removed`);
      };
      // A body that fits one part goes in one PutObject with its length and Content-MD5 (as rclone
      // sends it): the service checks the bytes against the MD5, and its ETag (the stored bytes' MD5)
      // is checked here too. With the MD5 given up front (a copy), no byte is hashed in this process.
      const start = await call(what, () => readUpTo(toReadable(body), context.partSize));
      if (start.ended) {
        const data = start.chunks.length === 1 ? start.chunks[0]! : Buffer.concat(start.chunks, start.bytes);
        const md5 = known ?? createHash('md5').update(data).digest('base64');
        let etag: string | undefined;
        try {
          etag = await putSingle({
            client,
            sdk,
            bucket,
            key: target,
            body: data,
            md5,
            contentType: options.contentType,
            ...(known ? { metadata: { 'mxn-md5': known } } : {}),
          });
        } catch (error) {
          const mapped = mapError(context, error, what);
          const code = (mapped.cause as { code?: string } | undefined)?.code;
          if (code === 'BadDigest' || code === 'InvalidDigest')
            throw new StoreError('Integrity', `s3 ${what}: the service refused the bytes, they differ from the MD5 given for them`, {
              cause: mapped,
            });
          throw mapped;
        }
        const serviceMd5 = md5FromEtag(etag);
        if (serviceMd5 && serviceMd5 !== md5)
          await reject(
            known
              ? 'the bytes written differ from the MD5 given for them'
              : 'the service stored different bytes than were sent (MD5 mismatch)',
          );
        return { key: checkKey(key), size: data.length, etag, md5, lastModified: new Date() };
      }
      const { Upload } = await import('@aws-sdk/lib-storage');
      const tap = new ChecksumStream();
      const source = start.whole();
      source.once('error', (error) => tap.destroy(error));
      const upload = new Upload({
        client,
        // With the MD5 known up front it is recorded on CreateMultipartUpload, so the object needs
        // no second server-side pass to carry it.
        params: {
          Bucket: bucket,
          Key: target,
          Body: source.pipe(tap),
          ContentType: options.contentType,
          ...(known ? { Metadata: { 'mxn-md5': known } } : {}),
        },
        partSize: context.partSize,
        queueSize: context.queueSize,
        leavePartsOnError: true, // aborted below, so that the original error is the one reported
      });
      let done: CompleteMultipartUploadCommandOutput;
      try {
        done = await upload.done();
      } catch (error) {
        // A failed multipart upload is aborted: no partial object, no stray parts. S3 never shows
        // an incomplete multipart upload as an object, even when the abort cannot reach it.
        if (upload.uploadId) {
          await client
            .send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: target, UploadId: upload.uploadId }))
            .catch(() => undefined);
        }
        throw mapError(context, error, `write ${where(key)}`);
      }
      const md5 = tap.md5()!;
      let etag = done.ETag;
      if (known && known !== md5) await reject('the bytes written differ from the MD5 given for them');
      if (!known && tap.bytes <= 5 * 1024 ** 3) {
        // A multipart ETag is not the content's MD5, and it was not known up front. Copy the object
        // onto itself (server-side) with the MD5 as metadata: later heads can compare content, and
        // the copy's ETag verifies it.
        const copied = await call(`write ${where(key)}`, () =>
          client.send(
            new sdk.CopyObjectCommand({
              Bucket: bucket,
              Key: target,
              CopySource: `${bucket}/${target.split('/').map(encodeURIComponent).join('/')}`,
              MetadataDirective: 'REPLACE',
              Metadata: { 'mxn-md5': md5 },
              ContentType: options.contentType,
            }),
          ),
        );
        etag = copied.CopyObjectResult?.ETag ?? etag;
      }
      // The service's own checksum where its ETag is a plain MD5 (the self-copy, and
      // servers that answer a multipart completion with the whole MD5).
      const serviceMd5 = md5FromEtag(etag);
      if (serviceMd5 && serviceMd5 !== md5) await reject('the service stored different bytes than were sent (MD5 mismatch)');
      return { key: checkKey(key), size: tap.bytes, etag, md5, lastModified: new Date() };
    },

    async delete(key) {
      await call(`delete ${where(key)}`, () => client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: fullKey(key) })));
    },

    async signedUrl(key, { access, expiresIn = 3600 }: SignOptions) {
      const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
      const command =
        access === 'read'
          ? new sdk.GetObjectCommand({ Bucket: bucket, Key: fullKey(key) })
          : new sdk.PutObjectCommand({ Bucket: bucket, Key: fullKey(key) });
      return call(`sign ${where(key)}`, () => getSignedUrl(client, command, { expiresIn }));
    },

    child: (prefix) => makeS3Store(context, joinKey(root, checkKey(prefix))),
  };
  return store;
}
