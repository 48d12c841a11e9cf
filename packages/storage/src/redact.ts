/**
 * The one secret redactor: every text that may leave the machine it was made on (an error, a log
 * tail, results, a comment, a job summary, an annotation) passes through `redact`. It masks the
 * secret values it is given and the token shapes it knows, and leaves `***` (the marker) in their
 * place; a known prefix (`ghs_`, `AKIA`, `sig=`) stays, so a reader can tell what was there.
 */

/** What a masked value becomes. */
const REDACTED = '***';

/** Secret values shorter than this are not masked: they would mask ordinary words. */
const MIN_SECRET_LENGTH = 6;

/** Shapes of secrets, each with what stays of a match (`$1`, the prefix) before the marker. */
const SHAPES: ReadonlyArray<readonly [RegExp, string]> = [
  // GitHub tokens: personal, OAuth, user-to-server, server-to-server (ghs_: GITHUB_TOKEN), refresh; fine-grained PATs.
  [/\b(gh[pousr]_)[A-Za-z0-9_]{16,}/g, '$1***'],
  [/\b(github_pat_)[A-Za-z0-9_]{20,}/g, '$1***'],
  // JWTs (the Actions OIDC request token, ID tokens, Entra access tokens): header.payload.signature.
  [/\b(eyJ)[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*/g, '$1***'],
  // AWS access key ids, long-lived (AKIA) and temporary (ASIA), and what follows the secret's names.
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '$1***'],
  [/\b(aws_secret_access_key|aws_session_token)(["']?\s*[=:]\s*["']?)[^\s"'&;,]+/gi, '$1$2***'],
  // SAS signatures wherever they start a parameter, also URL-encoded; S3 presigning parameters.
  [/(^|[^a-z0-9_-])(sig=)[^&\s"'<>)\],;]+/gi, '$1$2***'],
  [/(sig%3D)[^&%\s"'<>)\],;]+/gi, '$1***'],
  [/(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"'<]+/gi, '$1***'],
  // Authorizations and connection strings.
  [/(SharedKey(?:Lite)? [^:\s]+:)[^\s"')]+/g, '$1***'],
  [/(AccountKey=|SharedAccessSignature=|SharedAccessKey=)[^;\s"']+/gi, '$1***'],
  [/(Bearer )[^\s"')]+/g, '$1***'],
  // A bare Azure storage account key: 64 bytes in base64 (88 characters ending in ==).
  [/(^|[^A-Za-z0-9+/])[A-Za-z0-9+/]{86}==/g, '$1***'],
];

/**
 * What every shape above starts with or is (case aside): a text without any of it has no shape to
 * mask, and skips the dozen replacements (results of thousands of cells pass through here).
 */
const ANY_SHAPE = new RegExp(
  [
    'gh[pousr]_',
    'github_pat_',
    'eyJ',
    'AKIA',
    'ASIA',
    'aws_secret_access_key',
    'aws_session_token',
    'sig=',
    'sig%3D',
    'X-Amz-',
    'SharedKey',
    'AccountKey=',
    'SharedAccess',
    'Bearer ',
  ].join('|'),
  'i',
);

/**
 * Removes secrets from text: the given values (the longest first), then every known token shape:
 * GitHub tokens (`gh[pousr]_…`, `github_pat_…`), JWTs, AWS access key ids and the values after
 * `aws_secret_access_key` / `AWS_SESSION_TOKEN`, SAS signatures (`sig=…` wherever it starts a
 * parameter, also URL-encoded `sig%3D…`), S3 presigning parameters, SharedKey and Bearer
 * authorizations, connection-string keys (`AccountKey=`) and bare storage account keys. A masked
 * value ends at `&`, white space, a quote or a closing bracket, so the text around it stays.
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  return redactWith(text, maskable(secrets));
}

/** The secret values worth masking, once: long enough, each once, the longest first. */
function maskable(secrets: readonly (string | undefined)[]): string[] {
  const values = secrets.filter((secret): secret is string => !!secret && secret.length >= MIN_SECRET_LENGTH);
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

function redactWith(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  // (a bare account key ends in `==`)
  if (!ANY_SHAPE.test(out) && !out.includes('==')) return out;
  for (const [shape, replacement] of SHAPES) out = out.replace(shape, replacement);
  return out;
}

/** Environment variables that hold a secret whatever their value looks like. */
const SECRET_NAMES = new Set([
  'INPUT_TOKEN',
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_RUNTIME_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AZURE_CLIENT_SECRET',
  'AZURE_STORAGE_KEY',
  'AZURE_STORAGE_CONNECTION_STRING',
  'AZURE_STORAGE_SAS_TOKEN',
  'AZURE_BATCH_ACCOUNT_KEY',
]);

/** Names that say a variable holds a secret (`AZURE_FEDERATED_TOKEN_FILE` names a file, and is skipped). */
const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|_KEY$|CONNECTION_STRING|_SAS)/i;
const NOT_SECRET_NAME = /(_FILE|_URL|_ID|_PATH)$/i;

/**
 * The secret values a step knows: the values of the environment variables that hold one (the
 * action's token input, `GITHUB_TOKEN`, the Actions OIDC request and runtime tokens, AWS secret
 * keys and session tokens, Azure client secrets, storage keys, connection strings and SAS tokens,
 * and any other variable whose name says SECRET, TOKEN, PASSWORD or KEY). Pass them to `redact`.
 */
export function knownSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < MIN_SECRET_LENGTH) continue;
    if (SECRET_NAMES.has(name.toUpperCase()) || (SECRET_NAME.test(name) && !NOT_SECRET_NAME.test(name))) values.push(value);
  }
  return values;
}

/**
 * `value` with `redact` applied to every string in it, object keys included (a model's own
 * metrics.json can put a secret in a key as easily as in a value): results, cached results and
 * anything else made of JSON that leaves the machine. Other leaves are kept as they are.
 */
export function redactStrings<T>(value: T, secrets: readonly (string | undefined)[] = []): T {
  const known = maskable(secrets);
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return redactWith(item, known);
    if (Array.isArray(item)) return item.map(walk);
    if (item instanceof Date) return item;
    // A value that writes itself to JSON (a param number kept as written) is redacted as it will be written.
    if (item && typeof item === 'object' && typeof (item as { toJSON?: unknown }).toJSON === 'function')
      return walk((item as { toJSON: () => unknown }).toJSON());
    if (item && typeof item === 'object')
      return Object.fromEntries(Object.entries(item).map(([key, inner]) => [redactWith(key, known), walk(inner)]));
    return item;
  };
  return walk(value) as T;
}
