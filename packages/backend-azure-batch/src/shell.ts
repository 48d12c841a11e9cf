/** POSIX shell quoting, and the `/bin/sh -c '…'` form Batch needs (its commandLine has no shell). */

/** Quotes one word for a POSIX shell: `'…'` with every `'` as `'\''`. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A Batch commandLine that runs `script` in `/bin/sh`, so `$AZ_BATCH_*` variables expand. */
export function shCommandLine(script: string): string {
  return `/bin/sh -c ${`'${script.replaceAll("'", `'\\''`)}'`}`;
}
