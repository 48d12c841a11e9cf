/**
 * The one place where zod's issues become experiment problems: each is a `file:line:col` line in plain
 * words that says the fix (`compute.concurrency: -1 is too small; write 1 or more`), never zod's own
 * wording. `plainZodMessage` words the common kinds (it is given to `safeParse`, so the schema's own
 * messages still win); `issuesFromZod` places them and adds did-you-mean for keys and enum values.
 */
import type { Document } from 'yaml';
import { z } from 'zod';
import type { ExperimentIssue } from '../errors.js';
import { didYouMean } from './did-you-mean.js';
import { keysAt, mergedAlternatives, otherAlternatives } from './schema-keys.js';

type IssueAt = (where: readonly (string | number)[], message: string, atKey?: boolean) => ExperimentIssue;
type Where = (string | number)[];

/** `compute.concurrency`, `datasets[0].train`: a place in the file as messages name it. */
export function describe(where: readonly (string | number)[]): string {
  if (where.length === 0) return 'the experiment';
  return where.map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`)).join('');
}

const NOUNS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
};
const EXAMPLES: Record<string, string> = {
  number: ', e.g. 2',
  int: ', e.g. 42',
  string: ' (quote it if it looks like a number)',
  array: ', e.g. [a, b]',
};

/** A value as the user wrote it, for a message: `"many"`, `-1`, `a list`. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  return String(value);
}

/**
 * Plain words with the fix for zod's common issue kinds (too_small, too_big, invalid_type,
 * invalid_value, unrecognized_keys, …), as a per-parse error map: `schema.safeParse(data, { error: plainZodMessage })`.
 * Undefined leaves zod's message (a kind not worded here).
 */
export function plainZodMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const input = issue.input;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = String(issue.expected);
      const noun = NOUNS[expected] ?? expected;
      if (input === null) return `has no value; write ${noun}${EXAMPLES[expected] ?? ''}`;
      if (expected === 'int' && typeof input === 'number') {
        return Number.isFinite(input) && Number.isInteger(input)
          ? `${input} is too large for a whole number; write a smaller one`
          : `${input} is not a whole number; write an integer, e.g. ${Number.isFinite(input) ? Math.trunc(input) : 42}`;
      }
      return `${shown(input)} is not ${noun}; write ${noun}${EXAMPLES[expected] ?? ''}`;
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = String(small ? issue.minimum : issue.maximum);
      const exclusive = issue.inclusive === false;
      if (issue.origin === 'string')
        return small && bound === '1'
          ? 'is empty; write a value'
          : `${shown(input)} is too ${small ? 'short' : 'long'}; use ${bound} characters or ${small ? 'more' : 'fewer'}`;
      if (issue.origin === 'array' || issue.origin === 'set') {
        const count = Array.isArray(input) ? input.length : undefined;
        if (small && bound === '1') return 'is an empty list; give at least one item';
        return `has ${count ?? 'too many'} items; give ${small ? 'at least' : 'at most'} ${bound}`;
      }
      const limit = exclusive ? `a number ${small ? 'above' : 'below'} ${bound}` : `${bound} or ${small ? 'more' : 'less'}`;
      return `${shown(input)} is too ${small ? 'small' : 'large'}; write ${limit}`;
    }
    case 'invalid_value':
      return `${shown(input)} is not allowed; write ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((key) => `"${key}"`).join(', ')}; remove or rename`;
    case 'not_multiple_of':
      return `${shown(input)} is not a multiple of ${String(issue.divisor)}; write one`;
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue
        ? `${shown(input)} does not match ${String(issue.pattern)}`
        : `${shown(input)} is not a valid ${issue.format}`;
    default:
      return undefined;
  }
}

/** The problems of one zod issue, each at its place in the file, with did-you-mean where one fits. */
export function issuesFromZod(
  zodIssue: z.core.$ZodIssue,
  doc: Document,
  issue: IssueAt,
  schema: z.ZodType,
  raw: unknown,
): ExperimentIssue[] {
  const where = zodIssue.path.filter((key): key is string | number => typeof key !== 'symbol');
  if (zodIssue.code === 'unrecognized_keys') {
    const allowed = keysAt(schema, where, raw).filter((key) => key !== '$schema');
    return zodIssue.keys.map((key) => {
      const guess = didYouMean(key, allowed);
      // A key of another alternative (`maxNodes` under `backend: local`) says whose it is.
      const other = guess ? undefined : otherAlternatives(schema, where, raw, key);
      const owner =
        other && other.accepting.length > 0
          ? `${key} is a setting of ${other.discriminator} ${other.accepting.join(' or ')}, ` +
            `and ${describe([...where, other.discriminator])} is ${String(other.selected)}`
          : undefined;
      const hint = guess ? `did you mean "${guess}"?` : (owner ?? `expected one of: ${allowed.join(', ')}`);
      return issue([...where, key], `unknown key "${key}" in ${describe(where)}; ${hint}`, true);
    });
  }
  if (zodIssue.code === 'invalid_union' && 'discriminator' in zodIssue && typeof zodIssue.discriminator === 'string') {
    return [unknownDiscriminator(zodIssue, where, doc, issue), ...checkedWithoutDiscriminator(where, doc, issue, schema, raw)];
  }
  if (zodIssue.code === 'invalid_value' && zodIssue.values.every((value) => typeof value === 'string')) {
    // An enum value misspelt (`task: regresion`): the one meant, else the choices.
    const choices = zodIssue.values as string[];
    const value = doc.getIn(where);
    const guess = typeof value === 'string' ? didYouMean(value, choices) : undefined;
    const hint = guess ? `did you mean "${guess}"?` : `expected one of: ${choices.join(', ')}`;
    return [issue(where, `${describe(where)}: unknown ${String(where.at(-1))} ${shown(value)}; ${hint}`)];
  }
  if (!doc.hasIn(where) && zodIssue.code === 'invalid_type') {
    return [issue(where, `${describe(where.slice(0, -1))} is missing "${String(where.at(-1))}"`)];
  }
  return [issue(where, `${describe(where)}: ${zodIssue.message}`)];
}

/**
 * A discriminator no alternative has (`backend: azur`): the one meant when one is close, and the
 * choices, e.g. `unknown backend "azur"; did you mean "azure-batch"? (backends: local, azure-batch, aws-batch)`.
 */
function unknownDiscriminator(zodIssue: z.core.$ZodIssue, where: Where, doc: Document, issue: IssueAt): ExperimentIssue {
  const choices = ((zodIssue as { options?: unknown[] }).options ?? []).filter((value): value is string => typeof value === 'string');
  const value = doc.getIn(where);
  const guess =
    typeof value === 'string'
      ? (didYouMean(value, choices) ?? choices.find((choice) => value.length >= 3 && choice.startsWith(value)))
      : undefined;
  const name = String(where.at(-1));
  const list = `(${name}s: ${choices.join(', ')})`;
  const hint = guess ? `did you mean "${guess}"? ${list}` : `expected one of: ${choices.join(', ')}`;
  return issue(where, `${describe(where)}: unknown ${name} ${shown(value)}; ${hint}`);
}

/**
 * With the discriminator unknown, zod checks nothing else of the object: check it against the keys of
 * every alternative (the common ones and each backend's settings), so one pass shows every problem.
 */
function checkedWithoutDiscriminator(where: Where, doc: Document, issue: IssueAt, schema: z.ZodType, raw: unknown): ExperimentIssue[] {
  const at = where.slice(0, -1);
  const discriminator = String(where.at(-1));
  const shape = mergedAlternatives(schema, at, discriminator);
  const data = at.reduce<unknown>(
    (node, key) => (isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined),
    raw,
  );
  if (!shape || !isRecord(data)) return [];
  const value = Object.fromEntries(Object.entries(data).filter(([key]) => key !== discriminator));
  const parsed = z.strictObject(shape).safeParse(value, { error: plainZodMessage });
  if (parsed.success) return [];
  return parsed.error.issues.flatMap((inner) =>
    issuesFromZod({ ...inner, path: [...at, ...inner.path] } as z.core.$ZodIssue, doc, issue, schema, raw),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
