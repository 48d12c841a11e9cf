/**
 * What `validate` says from a parquet footer's statistics without reading rows (the facts come from
 * @mxn/data `readParquetFooter`): a target with no value in any row, and an ordered split (`by` +
 * `test_from`) of the wrong kind or that leaves a side empty. Without statistics these checks say
 * nothing: the run finds the problem.
 */
import { type ColumnFacts, type ColumnInfo, describeType, numericTestFrom } from '@mxn/data';

/** Why the target gives a model nothing to learn from: no value in any of `rows` rows. */
export function emptyTargetProblem(target: string, facts: ColumnFacts | undefined, rows: number, file: string): string | undefined {
  if (rows === 0 || facts?.nulls === undefined || facts.nulls < rows) return undefined;
  const fix = 'fill in the target, or choose another evaluation.target';
  return `target column "${target}" has no value in any of the ${rows} rows of ${file}; ${fix}`;
}

const DATE_LIKE = /^\d{4}-\d\d-\d\d/;
const NUMBER_LIKE = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * Why `by >= test_from` cannot split the dataset `dataset` (files `file`), from the `by` column's type
 * and facts: a `test_from` of another kind than the column, values missing, or a side left empty.
 * Compares as the run's ordered split does (@mxn/data `splitTable`).
 */
export function orderedSplitProblem(
  split: { by: string; test_from: string | number },
  column: ColumnInfo,
  facts: ColumnFacts | undefined,
  dataset: string,
  file: string,
): string | undefined {
  const { by, test_from: from } = split;
  const where = `column "${by}" of ${file} (dataset ${dataset})`;
  const kind = column.detail?.kind;
  const time = kind === 'date' || kind === 'timestamp';
  let bound: number | string;
  if (column.type === 'number' || column.type === 'boolean') {
    bound = numericTestFrom(from, kind);
    if (Number.isNaN(bound)) {
      const type = column.detail ? describeType(column.detail) : 'number';
      const fix = time ? 'write a date such as 2024-01-01 or 2024-01-01T00:00:00Z' : 'write a number';
      const wanted = time ? 'date or time' : 'number';
      return `split.test_from ${JSON.stringify(from)} is not a ${wanted}, but ${where} holds ${type} values; ${fix}`;
    }
  } else if (column.type === 'string') {
    bound = String(from);
    const shape = typeof from === 'number' || NUMBER_LIKE.test(bound) ? 'number' : DATE_LIKE.test(bound) ? 'date' : undefined;
    const fits = (value: unknown) => typeof value === 'string' && (shape === 'number' ? NUMBER_LIKE : DATE_LIKE).test(value.trim());
    if (shape && facts?.min !== undefined && !(fits(facts.min) && fits(facts.max))) {
      return (
        `split.test_from ${JSON.stringify(from)} is a ${shape}, but ${where} holds text (from ${JSON.stringify(facts.min)} ` +
        `to ${JSON.stringify(facts.max)}); set split.by to a ${shape} column, or test_from to a value like these`
      );
    }
  } else return undefined;
  if (facts?.nulls !== undefined && facts.nulls > 0)
    return `split.by ${where} has no value in ${facts.nulls} rows, which belong to neither side; fill in ${by} or drop those rows`;
  if (facts?.min === undefined || facts.max === undefined || typeof facts.min !== typeof bound) return undefined;
  const side = facts.max < bound ? 'test' : facts.min >= bound ? 'train' : undefined;
  if (!side) return undefined;
  const show = (value: number | string) => (typeof value === 'number' && time ? showInstant(value, kind) : String(value));
  return (
    `split ${by} >= ${String(from)} leaves the ${side} side empty: ${where} runs from ${show(facts.min)} to ${show(facts.max)}; ` +
    'choose a test_from inside that range'
  );
}

function showInstant(ms: number, kind: string | undefined): string {
  const iso = new Date(ms).toISOString();
  return kind === 'date' ? iso.slice(0, 10) : iso;
}
