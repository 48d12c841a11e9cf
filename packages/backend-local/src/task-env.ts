/**
 * The environment a task starts with: only what a program needs to run on this machine, never the
 * runner's credentials. A container on a cloud backend sees no more than this either: the runner
 * may hold cloud keys, a GitHub token or an OIDC request token, and a model that prints its
 * environment must not be able to publish them in its log.
 */

/** Variables passed through from the runner's environment (plus any starting with `LC_`). */
const PASSED_THROUGH = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'TEMP',
  'TMP',
  'TERM',
  'NODE_OPTIONS',
  'NODE_PATH',
  'SYSTEMROOT',
];

export function taskBaseEnv(env: NodeJS.ProcessEnv, extra: readonly string[] = []): Record<string, string> {
  const allowed = new Set([...PASSED_THROUGH, ...extra]);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (allowed.has(name) || name.startsWith('LC_'))) out[name] = value;
  }
  return out;
}
