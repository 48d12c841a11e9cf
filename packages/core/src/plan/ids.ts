/**
 * The rule for the ids mxn builds from an experiment's names and params (variant, cell and task
 * ids): they become folder and blob names, Batch display names, log lines and report text, so none
 * may hold a control, format or line-break character, `/`, `\`, `..`, be `.`, start with `-` or grow
 * without bound. Variant names encode the param values that would break it (see `expandVariants`).
 */

/** The longest variant name in UTF-8 bytes; a longer one is shortened to a digest of its params. */
export const MAX_VARIANT_BYTES = 128;
/** The longest cell id (`<variant>@<dataset>`) in UTF-8 bytes: a variant and a 64-character dataset name fit. */
const MAX_ID_BYTES = 200;

/** C0/C1 controls, format characters (zero-width, bidi overrides), surrogates, line and paragraph separators, slashes. */
const UNSAFE_CHARACTER = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}/\\]/u;

/** Whether `text` holds a character or sequence no id may hold (length aside). */
export function hasUnsafeCharacters(text: string): boolean {
  return UNSAFE_CHARACTER.test(text) || text.includes('..');
}

/** Why `id` cannot be an id, or `undefined` when it can. */
export function unsafeIdReason(id: string, maxBytes = MAX_ID_BYTES): string | undefined {
  if (id === '') return 'is empty';
  if (UNSAFE_CHARACTER.test(id)) return 'holds a control, invisible or line-break character, "/" or "\\"';
  if (id.includes('..')) return 'holds ".."';
  if (id === '.') return 'is "."';
  if (id.startsWith('-')) return 'starts with "-"';
  if (Buffer.byteLength(id) > maxBytes) return `is longer than ${maxBytes} bytes`;
  return undefined;
}
