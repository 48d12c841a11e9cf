/**
 * The OData subset the Batch list operations accept: `$filter` comparisons joined by `and`/`or`
 * (with parentheses), `$select` of top-level properties, and `maxresults` paging with a skip token.
 */
import { BatchServiceError } from './errors.js';

type Json = Record<string, unknown>;
type Pred = (item: Json) => boolean;

const badQuery = (name: string, value: string, reason: string): BatchServiceError =>
  new BatchServiceError('InvalidQueryParameterValue', [
    { key: 'QueryParameterName', value: name },
    { key: 'QueryParameterValue', value },
    { key: 'Reason', value: reason },
  ]);

const TOKEN = /\s*(\(|\)|datetime'[^']*'|'(?:[^']|'')*'|-?\d+(?:\.\d+)?(?![\w:])|true\b|false\b|[A-Za-z_][\w/]*)/y;

function tokenize(filter: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < filter.length) {
    if (/^\s*$/.test(filter.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(filter);
    if (!m) throw badQuery('$filter', filter, `Unexpected text at position ${start}.`);
    tokens.push(m[1]!);
  }
  return tokens;
}

function literal(token: string): string | number | boolean | Date {
  if (token.startsWith("datetime'")) {
    const d = new Date(token.slice(9, -1));
    if (Number.isNaN(d.getTime())) throw new Error(`invalid datetime ${token}`);
    return d;
  }
  if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
  if (token === 'true' || token === 'false') return token === 'true';
  if (/^-?\d/.test(token)) return Number(token);
  throw new Error(`expected a literal, found ${token}`);
}

function fieldValue(item: Json, path: string): unknown {
  return path.split('/').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k] : undefined), item);
}

function compare(op: string, actual: unknown, expected: string | number | boolean | Date): boolean {
  let a: string | number | boolean | undefined;
  let b: string | number | boolean;
  if (expected instanceof Date) {
    a = typeof actual === 'string' ? Date.parse(actual) : undefined;
    b = expected.getTime();
  } else if (typeof expected === 'string' && typeof actual === 'string') {
    // Enum and id comparisons are case-insensitive in the service.
    a = actual.toLowerCase();
    b = expected.toLowerCase();
  } else {
    a = actual as string | number | boolean | undefined;
    b = expected;
  }
  if (a === undefined || a === null) return op === 'ne';
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    default:
      throw new Error(`unknown operator ${op}`);
  }
}

/**
 * Compiles a `$filter` expression into a predicate over rendered items (throws `InvalidQueryParameterValue`).
 * With `allowed`, only those properties, each with its operators, may be used (the service documents a set per operation).
 */
export function compileFilter(filter: string | undefined, allowed?: Record<string, readonly string[]>): Pred {
  if (!filter?.trim()) return () => true;
  const tokens = tokenize(filter);
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const next = (): string => {
    const t = tokens[i++];
    if (t === undefined) throw new Error('unexpected end of filter');
    return t;
  };
  const primary = (): Pred => {
    if (peek() === '(') {
      next();
      const inner = orExpr();
      if (next() !== ')') throw new Error('expected )');
      return inner;
    }
    if (peek() === 'not') {
      next();
      const inner = primary();
      return (x) => !inner(x);
    }
    let field = next();
    const op = next();
    if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op)) throw new Error(`unknown operator ${op}`);
    if (allowed) {
      const known = Object.entries(allowed).find(([name]) => name.toLowerCase() === field.toLowerCase());
      if (!known) throw new Error(`the property ${field} cannot be filtered on here (only ${Object.keys(allowed).join(', ')})`);
      if (!known[1].includes(op)) throw new Error(`the property ${known[0]} takes only ${known[1].join(', ')}`);
      field = known[0];
    }
    const value = literal(next());
    return (x) => compare(op, fieldValue(x, field), value);
  };
  const andExpr = (): Pred => {
    let left = primary();
    while (peek() === 'and') {
      next();
      const l = left,
        r = primary();
      left = (x) => l(x) && r(x);
    }
    return left;
  };
  const orExpr = (): Pred => {
    let left = andExpr();
    while (peek() === 'or') {
      next();
      const l = left,
        r = andExpr();
      left = (x) => l(x) || r(x);
    }
    return left;
  };
  try {
    const pred = orExpr();
    if (i !== tokens.length) throw new Error(`unexpected ${tokens[i]}`);
    return pred;
  } catch (e) {
    if (e instanceof BatchServiceError) throw e;
    throw badQuery('$filter', filter, (e as Error).message);
  }
}

/** Keeps only the `$select`ed top-level properties (all when none given). */
export function applySelect(item: Json, select: string | undefined): Json {
  if (!select?.trim()) return item;
  const names = select
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return Object.fromEntries(names.filter((n) => n in item).map((n) => [n, item[n]]));
}

/** Reads `maxresults` (1..1000, default 1000). */
export function maxResults(raw: string | undefined): number {
  if (raw === undefined) return 1000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw badQuery('maxresults', raw, 'maxresults must be an integer between 1 and 1000.');
  return n;
}

export function encodeSkipToken(seq: number): string {
  return Buffer.from(JSON.stringify({ after: seq })).toString('base64');
}

export function decodeSkipToken(token: string | undefined): number {
  if (!token) return -1;
  try {
    const after = JSON.parse(Buffer.from(token, 'base64').toString('utf8')).after;
    if (typeof after === 'number') return after;
  } catch {
    /* fall through */
  }
  throw badQuery('$skiptoken', token, 'The continuation token is not valid.');
}
