/**
 * The Store contract: one interface for every place mxn reads and writes objects
 * (a local folder, an S3 bucket, an Azure Blob container). Keys are `/`-separated
 * paths relative to the store's root; a store never sees `..` or a leading `/`.
 */
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  /** Key relative to the store root, `/`-separated. */
  key: string;
  size: number;
  /** Service entity tag (S3 ETag, Blob ETag) or, for local files, size+mtime. Changes when the content changes. */
  etag?: string;
  /** Base64 MD5 of the whole object where the service keeps one (Blob Content-MD5, S3 single-part ETag, local files). */
  md5?: string;
  lastModified?: Date;
}

export interface ListOptions {
  /** Only keys starting with this prefix. */
  prefix?: string;
  /** Page size asked of the service; the iterator pages transparently. */
  pageSize?: number;
}

export interface ReadOptions {
  /** First byte, inclusive. */
  start?: number;
  /** Last byte, inclusive (HTTP Range semantics). */
  end?: number;
}

export interface WriteOptions {
  contentType?: string;
  /** Size in bytes when known; lets drivers choose single-shot vs multi-part. */
  size?: number;
  /**
   * Base64 MD5 of the whole body when known before the write (e.g. the source's Content-MD5 in a
   * copy). Drivers record it up front (no second pass over stored bytes) and fail the write with
   * StoreError `Integrity`, leaving no object, when the bytes written hash differently.
   */
  md5?: string;
}

export type SignedAccess = 'read' | 'write';

export interface SignOptions {
  access: SignedAccess;
  /** Lifetime in seconds. Default 3600. */
  expiresIn?: number;
}

export interface CopyFromUrlOptions {
  /** Size of the source object in bytes. */
  size: number;
  /** Base64 MD5 of the source when known; recorded as the object's Content-MD5. */
  md5?: string;
  contentType?: string;
}

export interface StoreCapabilities {
  /** `signedUrl` works (cloud stores). */
  signedUrls: boolean;
  /** `signedPrefixUrl` works: one URL scoped to a whole prefix (Blob container SAS). */
  prefixSignedUrls: boolean;
  /** Objects can be fetched by the service itself from a URL (Blob Put Block From URL). */
  serverSideCopyFromUrl: boolean;
}

export interface Store {
  /** Canonical URI of the store root, e.g. `file:///abs/dir`, `s3://bucket/prefix`, `az://account/container/prefix`. */
  readonly uri: string;
  readonly capabilities: StoreCapabilities;
  list(options?: ListOptions): AsyncIterable<ObjectInfo>;
  /** Metadata of one object; `undefined` when it does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Throws StoreError `NotFound` when the object does not exist. */
  read(key: string, options?: ReadOptions): Promise<Readable>;
  /** Writes a whole object; it becomes visible only once complete (no partial objects). */
  write(key: string, body: Readable | Uint8Array | string, options?: WriteOptions): Promise<ObjectInfo>;
  /** Deletes an object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** A short-lived URL for one object (cloud stores only). */
  signedUrl?(key: string, options: SignOptions): Promise<string>;
  /** A short-lived URL scoped to every key under `prefix` (read = read+list, write = create+write). */
  signedPrefixUrl?(prefix: string, options: SignOptions): Promise<string>;
  /**
   * Has the service fetch `sourceUrl` (e.g. a presigned S3 GET URL) into `key` itself, block by block
   * (Blob Put Block From URL); no object bytes pass through this process. Present when
   * `capabilities.serverSideCopyFromUrl`.
   */
  copyFromUrl?(key: string, sourceUrl: string, options: CopyFromUrlOptions): Promise<ObjectInfo>;
  /** Local path of a key, for stores on this machine's filesystem. */
  localPath?(key: string): string;
  /** A store rooted at `prefix` inside this one. */
  child(prefix: string): Store;
}
