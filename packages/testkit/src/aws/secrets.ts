/** The loopback AWS fakes' check that no request body or job environment carries a secret. */

/** Where a secret was found: `request <Operation> body`, `environment of job <id>: NAME`, … */
export interface SecretLeak {
  where: string;
  /** The first characters of the secret, so a report does not print it whole. */
  secret: string;
}

/** Variables whose mere presence in a job's environment is a leak, whatever their value. */
const SECRET_NAMES =
  /^(AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AZURE_STORAGE_KEY|AZURE_STORAGE_CONNECTION_STRING|AZURE_BATCH_ACCOUNT_KEY)$/;

/** Leaks among `texts` (`where` → text) and `environments` (`where` → variables), for the given secret values. */
export function findSecretLeaks(
  secrets: readonly string[],
  texts: readonly { where: string; text: string }[],
  environments: readonly { where: string; env: Record<string, string> }[],
): SecretLeak[] {
  const leaks: SecretLeak[] = [];
  const values = secrets.filter((s) => s.length >= 8);
  const preview = (s: string) => `${s.slice(0, 4)}…`;
  for (const { where, text } of texts) {
    for (const secret of values) {
      if (text.includes(secret) || text.includes(encodeURIComponent(secret))) leaks.push({ where, secret: preview(secret) });
    }
  }
  for (const { where, env } of environments) {
    for (const [name, value] of Object.entries(env)) {
      if (SECRET_NAMES.test(name)) leaks.push({ where: `${where}: ${name}`, secret: preview(value) });
      else if (/AccountKey=/i.test(value)) leaks.push({ where: `${where}: ${name}`, secret: 'AccountKey=…' });
      else for (const secret of values) if (value.includes(secret)) leaks.push({ where: `${where}: ${name}`, secret: preview(secret) });
    }
  }
  return leaks;
}
