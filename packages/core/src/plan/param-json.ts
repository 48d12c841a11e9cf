/**
 * Params as written: a YAML number that JSON would change (`1.0`, `1e3`, `-0.0` are floats but
 * `JSON.stringify` writes `1`, `1000`, `0`; `12345678901234567890` loses digits) is a `ParamNumber`
 * carrying its JSON literal, and `paramsJson` writes it as such, so `MXN_PARAMS` gives a Python model
 * `1.0` as a float. Every other value is written exactly as `JSON.stringify` writes it.
 */

/** A param number whose JSON literal differs from `JSON.stringify(value)`: an integral float, or an integer JS cannot hold. */
export class ParamNumber {
  constructor(
    /** The nearest JS number, for arithmetic and for JSON writers that know no literals. */
    readonly value: number,
    /** The JSON literal given to models: `1.0`, `1000.0`, `1e+21`, `12345678901234567890`. */
    readonly literal: string,
  ) {}

  /** Generic JSON writers (results.json, the cache) write the value. */
  toJSON(): number {
    return this.value;
  }
}

/** The JSON float literal of `value` with its decimal point: `1.0`, `-0.0`, `1e+21`, `0.001`. */
export function floatLiteral(value: number): string {
  if (Object.is(value, -0)) return '-0.0';
  const text = JSON.stringify(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

/** `MXN_PARAMS` text: JSON with the params' number literals as written, keys in their order. */
export function paramsJson(value: unknown): string {
  return writeJson(value, false) ?? 'null';
}

/** A param value as shown in a variant name or a report: a string as is, anything else as its JSON. */
export function paramText(value: unknown): string {
  return typeof value === 'string' ? value : paramsJson(value);
}

/**
 * JSON with `ParamNumber` literals; otherwise byte for byte `JSON.stringify` (with object keys sorted
 * the way `Object.fromEntries` of the sorted entries orders them, when `sortKeys`). `undefined` for
 * what JSON.stringify omits. A value that contains itself throws a TypeError, as JSON.stringify does.
 */
export function writeJson(value: unknown, sortKeys: boolean, parents: object[] = []): string | undefined {
  if (value instanceof ParamNumber) return value.literal;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return writeJson((value as { toJSON: () => unknown }).toJSON(), sortKeys, parents);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (parents.includes(value)) throw new TypeError('Converting circular structure to JSON');
  const inner = [...parents, value];
  if (Array.isArray(value)) return `[${value.map((item) => writeJson(item, sortKeys, inner) ?? 'null').join(',')}]`;
  let entries = Object.entries(value as Record<string, unknown>);
  if (sortKeys) entries = Object.entries(Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  const parts = entries.flatMap(([key, item]) => {
    const text = writeJson(item, sortKeys, inner);
    return text === undefined ? [] : [`${JSON.stringify(key)}:${text}`];
  });
  return `{${parts.join(',')}}`;
}
