/**
 * The rule for a model's `env:` names: plain settings (`OMP_NUM_THREADS`) pass; a name that looks
 * like a credential, a cloud's or CI's own variable, or mxn's task protocol is refused, so a
 * secret never sits in an experiment file, its cell key, its plan or its results.
 */

const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Name prefixes of the clouds' and CI's variables, and mxn's own (reserved for the task protocol). */
const PREFIXES: ReadonlyArray<[string, string]> = [
  ['MXN_', 'MXN_* names are the task protocol, which mxn sets itself'],
  ['AWS_', 'AWS_* names carry AWS credentials and settings'],
  ['AZURE_', 'AZURE_* names carry Azure credentials and settings'],
  ['GITHUB_', 'GITHUB_* names carry GitHub tokens and settings'],
  ['ACTIONS_', 'ACTIONS_* names carry GitHub Actions tokens'],
];

/** Why `env.<name>` is refused, or `undefined` when it may be set. */
export function envNameProblem(name: string): string | undefined {
  if (!VALID_NAME.test(name))
    return `env name "${name}" is not a valid environment variable name; use letters, digits and "_", not starting with a digit`;
  const upper = name.toUpperCase();
  const prefix = PREFIXES.find(([start]) => upper.startsWith(start));
  if (prefix) return `env.${name} is refused: ${prefix[1]}; a model gets no credentials, so remove it`;
  if (/_(KEY|TOKEN|SECRET)$/.test(upper) || upper.includes('PASSWORD'))
    return `env.${name} is refused: the name looks like a credential (*_KEY, *_TOKEN, *_SECRET, *PASSWORD*); a model gets no credentials`;
  return undefined;
}
