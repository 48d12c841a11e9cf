/**
 * The loopback AWS fakes' check that no request or job environment carries a secret.
 *
 * The rule, deliberately:
 * - A secret key (an AWS secret access key, a storage key, any extra secret) appears nowhere: not in a request's
 *   body or headers, not in a job's environment, raw or URL-encoded.
 * - A session token (temporary credentials, e.g. from GitHub OIDC) appears in two places only: the
 *   `x-amz-security-token` header of the API call it authenticates (SigV4 needs it there; the fake checks it), and
 *   the `X-Amz-Security-Token` query parameter of a presigned URL. A URL presigned with temporary credentials cannot
 *   work without that parameter, and the token is useless without the secret key, which never leaves the signer.
 *   Anywhere else (another header, a plain value in a body, an environment variable) it is a leak.
 */

import type { AwsRecordedRequest } from './http-service.js';
import type { AwsCredentials } from './sigv4.js';

/** Where a secret was found: `request <Operation> body`, `environment of job <id>: NAME`, … */
export interface SecretLeak {
  where: string;
  /** The first characters of the secret, so a report does not print it whole. */
  secret: string;
}

/** The values to look for. Shorter than 8 characters are skipped (they would match by accident). */
interface SecretValues {
  /** Secret keys: allowed nowhere. */
  keys: readonly string[];
  /** Session tokens: allowed only as the `x-amz-security-token` header and a presigned URL's `X-Amz-Security-Token`. */
  sessionTokens: readonly string[];
}

/** Variables whose mere presence in a job's environment is a leak, whatever their value. */
const SECRET_NAMES =
  /^(AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AZURE_STORAGE_KEY|AZURE_STORAGE_CONNECTION_STRING|AZURE_BATCH_ACCOUNT_KEY)$/;

/** The one header a session token may travel in: SigV4's, on the API call it authenticates. */
const TOKEN_HEADER = 'x-amz-security-token';

const preview = (s: string) => `${s.slice(0, 4)}…`;
const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};
const contains = (text: string, secret: string) => text.includes(secret) || text.includes(encodeURIComponent(secret));

/** `text` without the presigned URLs' `X-Amz-Security-Token=<token>` parameters that carry one of `tokens`. */
function withoutPresignedTokens(text: string, tokens: readonly string[]): string {
  return text.replace(/([?&]X-Amz-Security-Token=)([^&\s"'\\<>]*)/gi, (whole, name: string, value: string) =>
    tokens.includes(decode(value)) ? `${name}…` : whole,
  );
}

/**
 * Leaks among `texts` (request bodies, `where` → text), `headers` (request headers) and `environments` (job
 * environments, `where` → variables), under the rule above.
 */
function findSecretLeaks(
  secrets: SecretValues,
  texts: readonly { where: string; text: string }[],
  environments: readonly { where: string; env: Record<string, string> }[],
  headers: readonly { where: string; headers: Record<string, string> }[] = [],
): SecretLeak[] {
  const leaks: SecretLeak[] = [];
  const keys = secrets.keys.filter((s) => s.length >= 8);
  const tokens = secrets.sessionTokens.filter((s) => s.length >= 8);
  const scan = (where: string, text: string, tokenHeader = false) => {
    for (const key of keys) if (contains(text, key)) leaks.push({ where, secret: preview(key) });
    const rest = tokenHeader ? '' : withoutPresignedTokens(text, tokens);
    for (const token of tokens) if (contains(rest, token)) leaks.push({ where, secret: preview(token) });
  };
  for (const { where, text } of texts) scan(where, text);
  for (const { where, headers: named } of headers) {
    for (const [name, value] of Object.entries(named)) scan(`${where}: header ${name}`, value, name.toLowerCase() === TOKEN_HEADER);
  }
  for (const { where, env } of environments) {
    for (const [name, value] of Object.entries(env)) {
      if (SECRET_NAMES.test(name)) leaks.push({ where: `${where}: ${name}`, secret: preview(value) });
      else if (/AccountKey=/i.test(value)) leaks.push({ where: `${where}: ${name}`, secret: 'AccountKey=…' });
      else scan(`${where}: ${name}`, value);
    }
  }
  return leaks;
}

/**
 * Leaks in a fake's recorded requests (bodies; headers and URLs) and job environments, for the secret keys and session
 * tokens of the credentials it accepts and any `extraKeys`.
 */
export function recordedLeaks(
  credentials: readonly AwsCredentials[],
  extraKeys: readonly string[],
  requests: readonly AwsRecordedRequest[],
  environments: readonly { where: string; env: Record<string, string> }[] = [],
): SecretLeak[] {
  return findSecretLeaks(
    {
      keys: [...credentials.map((c) => c.secretAccessKey), ...extraKeys],
      sessionTokens: credentials.flatMap((c) => (c.sessionToken ? [c.sessionToken] : [])),
    },
    requests.map((r) => ({ where: `request ${r.operation} body`, text: r.body })),
    environments,
    requests.map((r) => ({ where: `request ${r.operation}`, headers: { ...r.headers, url: r.url } })),
  );
}

/** Throws, naming `service` and each place, when `leaks` holds any. */
export function throwOnLeaks(service: string, leaks: readonly SecretLeak[]): void {
  if (leaks.length) throw new Error(`${service}: secrets reached the service: ${leaks.map((l) => `${l.where} (${l.secret})`).join('; ')}`);
}
