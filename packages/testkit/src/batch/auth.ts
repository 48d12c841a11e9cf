/**
 * SharedKey verification, computing the string to sign exactly as `@azure/batch` 10.2.0's
 * `BatchSharedKeyCredentials.signRequest` builds it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { BatchServiceError } from './errors.js';

const STANDARD_HEADERS = [
  'content-encoding',
  'content-language',
  'content-length',
  'content-md5',
  'content-type',
  'date',
  'if-modified-since',
  'if-match',
  'if-none-match',
  'if-unmodified-since',
  'range',
] as const;

/** Decodes a query component the way `querystringify` (used by the SDK's `url-parse`) does. */
function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

/** Every decoded name and value of a raw query string, in order, repeats included. */
export function queryPairs(rawQuery: string): [name: string, value: string][] {
  const pairs: [string, string][] = [];
  for (const pair of rawQuery.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    pairs.push([decodeQueryPart(eq < 0 ? pair : pair.slice(0, eq)), eq < 0 ? '' : decodeQueryPart(pair.slice(eq + 1))]);
  }
  return pairs;
}

/**
 * Parses a raw query string: decoded names and values, the first occurrence of a name wins (the router refuses
 * a repeated name before anything reads this).
 */
export function parseQuery(rawQuery: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of queryPairs(rawQuery)) if (!out.has(name)) out.set(name, value);
  return out;
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

/**
 * The string the SDK signs: verb, standard headers (Content-Length from the body, `0` for a bodiless
 * POST, empty otherwise), the sorted `ocp-*` headers, and `/account/path` plus sorted decoded query pairs.
 */
export function stringToSign(
  method: string,
  rawUrl: string,
  headers: IncomingHttpHeaders,
  accountName: string,
  bodyLength: number,
  emptyZeroLength = false,
): string {
  const q = rawUrl.indexOf('?');
  const path = (q < 0 ? rawUrl : rawUrl.slice(0, q)) || '/';
  const query = parseQuery(q < 0 ? '' : rawUrl.slice(q + 1));
  let s = `${method}\n`;
  for (const name of STANDARD_HEADERS) {
    if (name === 'content-length') {
      const zero = emptyZeroLength ? '' : method === 'POST' ? '0' : '';
      s += `${bodyLength > 0 ? String(bodyLength) : zero}\n`;
    } else s += `${header(headers, name)}\n`;
  }
  const ocp = Object.keys(headers)
    .filter((h) => h.startsWith('ocp-'))
    .sort();
  for (const name of ocp) {
    const v = header(headers, name);
    if (v) s += `${name}:${v}\n`;
  }
  s += `/${accountName}${path}`;
  for (const name of [...query.keys()].sort()) s += `\n${name}:${query.get(name)}`;
  return s;
}

/** HMAC-SHA256 of `text` with the base64-decoded key, base64-encoded. */
export function sign(text: string, accountKey: string): string {
  return createHmac('sha256', Buffer.from(accountKey, 'base64')).update(text, 'utf8').digest('base64');
}

/**
 * Throws `AuthenticationFailed` (403) unless the `Authorization: SharedKey account:signature` header
 * matches. A zero-length body may be signed with Content-Length `0` (the SDK, for POST) or empty (REST docs).
 */
export function verifySharedKey(
  method: string,
  rawUrl: string,
  headers: IncomingHttpHeaders,
  bodyLength: number,
  accountName: string,
  accountKey: string,
): void {
  const auth = header(headers, 'authorization');
  const m = /^SharedKey ([^:]+):(.+)$/.exec(auth);
  const fail = (detail: string): never => {
    throw new BatchServiceError('AuthenticationFailed', [{ key: 'AuthenticationErrorDetail', value: detail }]);
  };
  if (!m) fail(auth ? 'The Authorization header is not in the SharedKey format.' : 'The Authorization header is missing.');
  if (m![1] !== accountName) fail(`The account '${m![1]}' in the Authorization header does not match this account.`);
  if (!header(headers, 'ocp-date') && !header(headers, 'date')) fail('Neither ocp-date nor Date header is present.');
  const given = Buffer.from(m![2]!, 'base64');
  const candidates = [false, true].map((emptyZero) =>
    Buffer.from(sign(stringToSign(method, rawUrl, headers, accountName, bodyLength, emptyZero), accountKey), 'base64'),
  );
  if (!candidates.some((c) => c.length === given.length && timingSafeEqual(c, given))) {
    fail('The MAC signature found in the HTTP request is not the same as any computed signature.');
  }
}
