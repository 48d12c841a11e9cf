/**
 * SigV4 verification for the loopback AWS fakes: the request is signed again with the secret the fake
 * knows for its access key, over exactly the headers the client signed, with @smithy/signature-v4
 * (the signer the AWS SDK uses), and the two signatures are compared.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { AwsServiceError } from './errors.js';

/** Credentials a fake accepts. A `sessionToken`, when given, must be sent as `x-amz-security-token`. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A received request, as the verifier needs it. */
export interface SignedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: Record<string, string | string[]>;
  /** Lower-case names, as node:http gives them. */
  headers: Record<string, string>;
  body: string;
}

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** node:crypto behind the hash interface the signer takes (`new Sha256(secret?)`, `update`, `digest`). */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. ' +
  'Consult the service documentation for details.';

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** Most a request's `x-amz-date` may differ from the service's clock, as AWS allows. */
const MAX_SKEW_MS = 15 * 60_000;

/** Parses `YYYYMMDDTHHMMSSZ`. */
function amzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

/**
 * Checks the request's SigV4 signature for `service` against `credentials`; returns the access key id
 * that signed it, or throws the error the service answers with (403 `MissingAuthenticationTokenException`,
 * `UnrecognizedClientException`, `InvalidSignatureException`).
 */
export async function verifySigV4(
  request: SignedRequest,
  credentials: readonly AwsCredentials[],
  service: string,
  now: Date,
  serviceRegion?: string,
): Promise<string> {
  const header = request.headers.authorization;
  if (!header) throw new AwsServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
  const m = AUTHORIZATION.exec(header);
  if (!m) {
    throw new AwsServiceError(
      'IncompleteSignatureException',
      `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.`,
      403,
    );
  }
  const [, accessKeyId, , region, signedService, signedHeaderList, signature] = m as unknown as string[];
  const known = credentials.find((c) => c.accessKeyId === accessKeyId);
  if (!known) throw new AwsServiceError('UnrecognizedClientException', 'The security token included in the request is invalid.', 403);
  if (known.sessionToken !== undefined && request.headers['x-amz-security-token'] !== known.sessionToken) {
    throw new AwsServiceError('UnrecognizedClientException', 'The security token included in the request is invalid.', 403);
  }
  if (signedService !== service) {
    throw new AwsServiceError('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'.`, 403);
  }
  if (serviceRegion !== undefined && region !== serviceRegion) {
    throw new AwsServiceError('InvalidSignatureException', `Credential should be scoped to a valid region, not '${region}'.`, 403);
  }
  const date = amzDate(request.headers['x-amz-date'] ?? '');
  if (!date)
    throw new AwsServiceError(
      'IncompleteSignatureException',
      'Authorization header requires existence of either a X-Amz-Date or a Date header.',
      403,
    );
  if (Math.abs(date.getTime() - now.getTime()) > MAX_SKEW_MS) {
    throw new AwsServiceError(
      'InvalidSignatureException',
      `Signature expired: ${request.headers['x-amz-date']} is now earlier than ${new Date(now.getTime() - MAX_SKEW_MS).toISOString()}.`,
      403,
    );
  }
  const signed = signedHeaderList!.split(';');
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = request.headers[name];
    if (value === undefined) throw new AwsServiceError('InvalidSignatureException', SIGNATURE_MISMATCH, 403);
    headers[name] = value;
  }
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: known.accessKeyId,
      secretAccessKey: known.secretAccessKey,
      ...(request.headers['x-amz-security-token'] ? { sessionToken: request.headers['x-amz-security-token'] } : {}),
    },
    region: region!,
    service,
    sha256: NodeSha256,
  });
  const resigned = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: '', path: request.path, query: request.query, headers, body: request.body },
    { signingDate: date, signingRegion: region!, signingService: service, signableHeaders: new Set(signed) },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(resigned.headers.authorization ?? '')?.[1] ?? '';
  if (expected.length !== signature!.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature!))) {
    throw new AwsServiceError('InvalidSignatureException', SIGNATURE_MISMATCH, 403);
  }
  return accessKeyId!;
}
