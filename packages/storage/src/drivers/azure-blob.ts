import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ContainerClient } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/core-auth';
import { StoreError } from '../errors.js';
import { checkKey, joinKey } from '../keys.js';
import type { CopyFromUrlOptions, ListOptions, ObjectInfo, ReadOptions, SignOptions, Store, WriteOptions } from '../store.js';
import { parseBlobUri, resolveBlobAuth, type BlobAuth } from './azure-location.js';
import { BlobSigner } from './azure-sas.js';
import { toReadable } from './checksum-stream.js';
import { classify, networkCode, safeStoreError } from './cloud-errors.js';

export interface AzureBlobStoreOptions {
  /** `az://account/container/prefix` or `https://account.blob.core.windows.net/container/prefix[?sas]`. */
  uri: string;
  /** Default: `AZURE_STORAGE_CONNECTION_STRING` (used when its AccountName is the URI's account). */
  connectionString?: string;
  /** Account key. Default: `AZURE_STORAGE_KEY` (with `AZURE_STORAGE_ACCOUNT`). */
  accountKey?: string;
  /** SAS token. Default: the URI's query, else `AZURE_STORAGE_SAS_TOKEN`. */
  sasToken?: string;
  /** Entra ID credential. Default: `DefaultAzureCredential` when nothing else is configured. */
  credential?: TokenCredential;
  /** Blob service URL. Default: the connection string's `BlobEndpoint`, else `https://{account}.blob.core.windows.net`. */
  blobEndpoint?: string;
  /** Block size for uploads and server-side copies. Default 8 MiB. */
  blockSize?: number;
  /** Blocks uploaded in parallel for one object (each buffered in memory). Default 4. */
  concurrency?: number;
  /**
   * Put Block From URL calls in flight for one server-side copy; no object bytes pass through this
   * process, so more can be in flight than for uploads. Default 16 (rclone's Azure upload concurrency).
   */
  copyConcurrency?: number;
  /** SDK attempts per request. Default 3. */
  maxTries?: number;
}

const NOT_FOUND = ['BlobNotFound', 'ContainerNotFound', 'ResourceNotFound'];
const DENIED = [
  'AuthorizationFailure',
  'AuthorizationPermissionMismatch',
  'AuthenticationFailed',
  'AuthorizationResourceTypeMismatch',
  'CredentialUnavailableError',
  'AuthenticationRequiredError',
  'InsufficientAccountPermissions',
];
const TRANSIENT = ['ServerBusy', 'OperationTimedOut', 'InternalError', 'TimeoutError'];

interface Context {
  container: ContainerClient;
  containerName: string;
  account: string;
  signer: BlobSigner;
  secrets: (string | undefined)[];
  blockSize: number;
  concurrency: number;
  copyConcurrency: number;
  /** Set while (or once) a missing container is being created on first write. */
  creatingContainer?: Promise<unknown>;
}

/** A Store on an Azure Blob container (or Azurite). The Azure SDK is loaded on first use. */
export async function azureBlobStore(options: AzureBlobStoreOptions): Promise<Store> {
  const location = parseBlobUri(options.uri);
  const { auth, endpoint } = await resolveBlobAuth(location, options);
  const sdk = await import('@azure/storage-blob');
  const pipelineOptions = { retryOptions: { maxTries: options.maxTries ?? 3 } };
  const service =
    auth.kind === 'key'
      ? new sdk.BlobServiceClient(endpoint, new sdk.StorageSharedKeyCredential(auth.account, auth.key), pipelineOptions)
      : auth.kind === 'sas'
        ? new sdk.BlobServiceClient(`${endpoint}?${auth.sas}`, new sdk.AnonymousCredential(), pipelineOptions)
        : new sdk.BlobServiceClient(endpoint, auth.credential, pipelineOptions);
  const context: Context = {
    container: service.getContainerClient(location.container),
    containerName: location.container,
    account: location.account,
    signer: new BlobSigner(sdk, service, auth, location.account),
    secrets: secretsOf(auth, options),
    blockSize: options.blockSize ?? 8 * 1024 * 1024,
    concurrency: options.concurrency ?? 4,
    copyConcurrency: options.copyConcurrency ?? 16,
  };
  return makeBlobStore(context, location.prefix);
}

function secretsOf(auth: BlobAuth, options: AzureBlobStoreOptions): (string | undefined)[] {
  const out = [
    options.accountKey,
    options.sasToken,
    process.env.AZURE_STORAGE_KEY,
    process.env.AZURE_STORAGE_SAS_TOKEN,
    process.env.AZURE_CLIENT_SECRET,
  ];
  if (auth.kind === 'key') out.push(auth.key);
  if (auth.kind === 'sas') out.push(auth.sas, new URLSearchParams(auth.sas).get('sig') ?? undefined);
  return out;
}

function mapError(context: Context, error: unknown, what: string): StoreError {
  if (error instanceof StoreError) return error;
  const e = error as { name?: string; code?: string; statusCode?: number; message?: string; details?: { errorCode?: string } };
  const code =
    networkCode(error) ??
    e.details?.errorCode ??
    (e.code && e.code !== 'REQUEST_SEND_ERROR' ? e.code : undefined) ??
    (e.name !== 'RestError' ? e.name : e.code);
  const facts = { status: e.statusCode, code, message: e.message || code || 'request failed' };
  return safeStoreError(classify(facts, NOT_FOUND, DENIED, TRANSIENT), `azure-blob ${what}`, facts, context.secrets);
}

function isContainerNotFound(error: unknown): boolean {
  const e = error as { code?: string; details?: { errorCode?: string } };
  return e?.details?.errorCode === 'ContainerNotFound' || e?.code === 'ContainerNotFound';
}

/**
 * Runs a write request; when the container does not exist yet, creates it once (as rclone does)
 * and sends the request again.
 */
async function creatingContainer<T>(context: Context, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (!isContainerNotFound(error)) throw error;
    context.creatingContainer ??= context.container.createIfNotExists().catch((failure: unknown) => {
      context.creatingContainer = undefined;
      throw failure;
    });
    await context.creatingContainer;
    return request();
  }
}

const md5Of = (data: Uint8Array) => createHash('md5').update(data).digest();

/** Runs `tasks` with at most `limit` in flight; rejects with the first failure. */
async function runLimited(limit: number, tasks: AsyncIterable<() => Promise<void>>): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: unknown;
  for await (const task of tasks) {
    if (failure) break;
    const promise: Promise<void> = task().then(
      () => void running.delete(promise),
      (error: unknown) => {
        failure ??= error;
        running.delete(promise);
      },
    );
    running.add(promise);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure;
}

/** Yields `size`-byte buffers from a stream (the last may be shorter). */
async function* blocksOf(source: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let fill = 0;
  for await (const raw of source) {
    let chunk = Buffer.from(raw as Buffer);
    while (chunk.length > 0) {
      const take = Math.min(chunk.length, size - fill);
      pending.push(chunk.subarray(0, take));
      fill += take;
      chunk = chunk.subarray(take);
      if (fill === size) {
        yield Buffer.concat(pending);
        pending = [];
        fill = 0;
      }
    }
  }
  if (fill > 0 || pending.length > 0) yield Buffer.concat(pending);
}

function makeBlobStore(context: Context, root: string): Store {
  const { container, containerName, account, signer } = context;
  const fullKey = (key: string) => joinKey(root, checkKey(key));
  const rootPrefix = root ? `${root}/` : '';
  const where = (key: string) => `az://${account}/${containerName}/${fullKey(key)}`;
  const call = async <T>(what: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      throw mapError(context, error, what);
    }
  };
  const blockId = (nonce: string, index: number) => Buffer.from(`${nonce}-${String(index).padStart(6, '0')}`).toString('base64');

  const store: Store = {
    uri: `az://${account}/${containerName}${root ? `/${root}` : ''}`,
    capabilities: { signedUrls: signer.canSign, prefixSignedUrls: signer.canSign, serverSideCopyFromUrl: true },

    async *list({ prefix = '', pageSize }: ListOptions = {}) {
      const pages = container.listBlobsFlat({ prefix: rootPrefix + prefix }).byPage({ maxPageSize: pageSize });
      const iterator = pages[Symbol.asyncIterator]();
      for (;;) {
        const page = await call(`list az://${account}/${containerName}/${rootPrefix}${prefix}`, () => iterator.next());
        if (page.done) return;
        for (const item of page.value.segment.blobItems) {
          const md5 = item.properties.contentMD5 ? Buffer.from(item.properties.contentMD5).toString('base64') : undefined;
          yield {
            key: item.name.slice(rootPrefix.length),
            size: item.properties.contentLength ?? 0,
            etag: item.properties.etag,
            md5,
            lastModified: item.properties.lastModified,
          };
        }
      }
    },

    async head(key) {
      try {
        const found = await container.getBlobClient(fullKey(key)).getProperties();
        const md5 = found.contentMD5 ? Buffer.from(found.contentMD5).toString('base64') : undefined;
        return { key: checkKey(key), size: found.contentLength ?? 0, etag: found.etag, md5, lastModified: found.lastModified };
      } catch (error) {
        const mapped = mapError(context, error, `head ${where(key)}`);
        if (mapped.code === 'NotFound') return undefined;
        throw mapped;
      }
    },

    async read(key, { start, end }: ReadOptions = {}) {
      const offset = start ?? 0;
      const count = end === undefined ? undefined : end - offset + 1;
      const got = await call(`read ${where(key)}`, () =>
        container.getBlobClient(fullKey(key)).download(offset, count, { maxRetryRequests: 3 }),
      );
      return got.readableStreamBody as Readable;
    },

    async write(key, body, options: WriteOptions = {}) {
      const client = container.getBlockBlobClient(fullKey(key));
      const whole = createHash('md5');
      const nonce = randomBytes(6).toString('hex');
      const ids: string[] = [];
      let size = 0;
      let single: Buffer | undefined;
      const blocks = blocksOf(toReadable(body), context.blockSize);
      async function* stageTasks(): AsyncGenerator<() => Promise<void>> {
        for await (const block of blocks) {
          whole.update(block);
          size += block.length;
          if (ids.length === 0 && block.length < context.blockSize) {
            single = block; // a short first block is the last: the object fits in one request
            continue;
          }
          const id = blockId(nonce, ids.length);
          ids.push(id);
          yield () =>
            creatingContainer(context, () => client.stageBlock(id, block, block.length, { transactionalContentMD5: md5Of(block) })).then(
              () => undefined,
            );
        }
      }
      await call(`write ${where(key)}`, () => runLimited(context.concurrency, stageTasks()));
      const md5 = whole.digest();
      // An MD5 given up front is checked before anything is committed: a mismatch leaves no object.
      if (options.md5 && options.md5 !== md5.toString('base64'))
        throw new StoreError(
          'Integrity',
          `azure-blob write ${where(key)}: the bytes differ from the MD5 given for them; nothing was written`,
        );
      const headers = { blobContentType: options.contentType, blobContentMD5: md5 };
      // Blocks stay invisible until committed: a failed upload leaves no partial object. Without
      // blocks, Put Blob checks x-ms-blob-content-md5 against the body.
      const done = await call(`write ${where(key)}`, () =>
        creatingContainer(context, () =>
          ids.length === 0
            ? client.upload(single ?? Buffer.alloc(0), single?.length ?? 0, { blobHTTPHeaders: headers })
            : client.commitBlockList(ids, { blobHTTPHeaders: headers }),
        ),
      );
      return { key: checkKey(key), size, etag: done.etag, md5: md5.toString('base64'), lastModified: done.lastModified };
    },

    async delete(key) {
      await call(`delete ${where(key)}`, () => container.getBlobClient(fullKey(key)).deleteIfExists());
    },

    async copyFromUrl(key, sourceUrl, { size, md5, contentType }: CopyFromUrlOptions): Promise<ObjectInfo> {
      const client = container.getBlockBlobClient(fullKey(key));
      const what = `copy into ${where(key)}`;
      const headers = { blobContentType: contentType, blobContentMD5: md5 ? Buffer.from(md5, 'base64') : undefined };
      const removeAndFail = async (why: string): Promise<never> => {
        await client.deleteIfExists().catch(() => undefined);
        throw new StoreError('Integrity', `azure-blob ${what}: ${why}; the object was removed`);
      };
      if (size <= context.blockSize) {
        // One block's worth: a single Put Blob From URL. With the MD5 known, the service checks the
        // source bytes against it (x-ms-source-content-md5) and answers with the stored Content-MD5.
        const done = await call(what, () =>
          creatingContainer(context, () =>
            client.syncUploadFromURL(sourceUrl, {
              blobHTTPHeaders: headers,
              ...(md5 ? { sourceContentMD5: Buffer.from(md5, 'base64') } : {}),
            }),
          ),
        );
        const storedMd5 = done.contentMD5 ? Buffer.from(done.contentMD5).toString('base64') : undefined;
        if (md5 && storedMd5 && storedMd5 !== md5) await removeAndFail('the service stored different bytes than the source (MD5 mismatch)');
        if (!md5 || !storedMd5) {
          const written = await call(what, () => client.getProperties());
          if (written.contentLength !== size) await removeAndFail(`the service stored ${written.contentLength} bytes, expected ${size}`);
        }
        return { key: checkKey(key), size, etag: done.etag, md5: md5 ?? storedMd5, lastModified: done.lastModified };
      }
      const nonce = randomBytes(6).toString('hex');
      const ids: string[] = [];
      async function* tasks(): AsyncGenerator<() => Promise<void>> {
        for (let offset = 0; offset < size; offset += context.blockSize) {
          const id = blockId(nonce, ids.length);
          ids.push(id);
          const count = Math.min(context.blockSize, size - offset);
          yield () => creatingContainer(context, () => client.stageBlockFromURL(id, sourceUrl, offset, count)).then(() => undefined);
        }
      }
      await call(what, () => runLimited(context.copyConcurrency, tasks()));
      const done = await call(what, () => client.commitBlockList(ids, { blobHTTPHeaders: headers }));
      const written = await call(what, () => client.getProperties());
      if (written.contentLength !== size) await removeAndFail(`the service stored ${written.contentLength} bytes, expected ${size}`);
      return { key: checkKey(key), size, etag: done.etag, md5, lastModified: done.lastModified };
    },

    async signedUrl(key, options: SignOptions) {
      const sas = await call(`sign ${where(key)}`, () => signer.blob(containerName, fullKey(key), options));
      return `${container.getBlobClient(fullKey(key)).url.split('?')[0]}?${sas}`;
    },

    async signedPrefixUrl(prefix, options: SignOptions) {
      const sas = await call(`sign az://${account}/${containerName}/${joinKey(root, prefix)}`, () =>
        signer.container(containerName, options),
      );
      const path = joinKey(root, checkKey(prefix)).split('/').filter(Boolean).map(encodeURIComponent).join('/');
      return `${container.url.split('?')[0]}${path ? `/${path}` : ''}?${sas}`;
    },

    child: (prefix) => makeBlobStore(context, joinKey(root, checkKey(prefix))),
  };
  if (!signer.canSign) {
    delete store.signedUrl;
    delete store.signedPrefixUrl;
  }
  return store;
}
