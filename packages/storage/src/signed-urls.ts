/**
 * The URL of one object under a prefix URL from `signedPrefixUrl` (or any URL whose query carries
 * the signature): the key is appended to the path, the query is kept.
 */
export function urlUnderPrefix(prefixUrl: string, key: string): string {
  const url = new URL(prefixUrl);
  const encoded = key
    .split('/')
    .filter(Boolean)
    .map((part) => encodeURIComponent(part))
    .join('/');
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${encoded}`;
  return url.href;
}
