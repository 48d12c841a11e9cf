import type { S3Client } from '@aws-sdk/client-s3';

export interface SinglePut {
  client: S3Client;
  sdk: typeof import('@aws-sdk/client-s3');
  bucket: string;
  key: string;
  body: Buffer;
  /** Base64 MD5 of the body, sent as Content-MD5: the service refuses bytes that do not match it. */
  md5: string;
  contentType?: string;
  metadata?: Record<string, string>;
}

/**
 * One PutObject with a known length and Content-MD5, as rclone sends objects below its cutoff.
 * The Content-MD5 guards the body, so the signature does not hash it again with SHA-256
 * (UNSIGNED-PAYLOAD, as rclone sends it). Returns the ETag; errors are the SDK's.
 */
export async function putSingle(put: SinglePut): Promise<string | undefined> {
  const command = new put.sdk.PutObjectCommand({
    Bucket: put.bucket,
    Key: put.key,
    Body: put.body,
    ContentLength: put.body.length,
    ContentMD5: put.md5,
    ContentType: put.contentType,
    ...(put.metadata ? { Metadata: put.metadata } : {}),
  });
  command.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'mxnUnsignedPayload' },
  );
  return (await put.client.send(command)).ETag;
}
