/** Opens every dataset named by an experiment and checks its parquet files and target column. */
import {
  type ColumnFacts,
  type ColumnInfo,
  emptySplitProblem,
  isCsvName,
  mergeFacts,
  type ParquetFooter,
  type ParquetSchemaInfo,
  readCsvSchema,
  readParquetFooter,
} from '@mxn/data';
import { isRemoteUri, readBytes, redact, type ObjectInfo, type Store } from '@mxn/storage';
import type { ExperimentIssue } from '../errors.js';
import type { DatasetSpec, SplitConfig } from '../schema/experiment.js';
import { resolveDataSource, shownPath, type DataSource } from './data-source.js';
import { didYouMean } from './did-you-mean.js';
import { storeRanges } from './store-ranges.js';
import { emptyTargetProblem, orderedSplitProblem } from './footer-checks.js';

export interface ResolvedDataset {
  name: string;
  train: DataSource;
  test?: DataSource;
  columns: ColumnInfo[];
  /** Rows across the training files. */
  rows: number;
}

type IssueAt = (where: readonly (string | number)[], message: string) => ExperimentIssue;

/**
 * Checks the datasets given as `[index in the file, entry]` (entries that failed the schema are
 * left out by the caller, so the others are still checked) against the target column.
 */
export async function checkDatasets(
  entries: Array<[number, DatasetSpec]>,
  target: string,
  root: string,
  issue: IssueAt,
  issues: ExperimentIssue[],
  split?: SplitConfig,
): Promise<ResolvedDataset[]> {
  const resolved = await Promise.all(
    entries.map(async ([index, dataset]): Promise<{ dataset?: ResolvedDataset; problems: ExperimentIssue[] }> => {
      const problems: ExperimentIssue[] = [];
      const check = async (field: 'train' | 'test', value: string) => {
        const where = ['datasets', index, field];
        let source: DataSource;
        try {
          source = await resolveDataSource(value, root);
        } catch (error) {
          problems.push(issue(where, redact(`cannot open ${value}: ${(error as Error).message}`)));
          return undefined;
        }
        if (source.files.length === 0) {
          problems.push(issue(where, redact(`no parquet file matches ${value}${isRemoteUri(value) ? '' : ` (resolved against ${root})`}`)));
          return undefined;
        }
        let columns: ColumnInfo[] = [];
        let rows = 0;
        // The target's and the ordered split's column, over every file of this side (from the footers' statistics).
        const byColumn = !dataset.test && field === 'train' && split?.by !== undefined ? split.by : undefined;
        let targetFacts: ColumnFacts | undefined;
        let byFacts: ColumnFacts | undefined;
        for (const file of source.files) {
          const name = shownPath(source, file);
          const footer = await readFooter(source.store, file).catch((error: Error) => {
            const kind = isCsvName(file.key) ? 'CSV' : 'parquet';
            const fix = kind === 'CSV' ? 'fix the line named, or write the data as parquet' : 'write it again as parquet, or name a .csv';
            problems.push(issue(where, redact(`${name} is not a readable ${kind} file: ${error.message}; ${fix}`)));
            return undefined;
          });
          if (!footer) return undefined;
          if (!footer.columns.some((column) => column.name === target)) {
            const guess = didYouMean(
              target,
              footer.columns.map((column) => column.name),
            );
            problems.push(
              issue(
                where,
                redact(
                  `target column "${target}" is missing from ${name}` +
                    `${guess ? `; did you mean "${guess}"?` : ` (columns: ${footer.columns.map((c) => c.name).join(', ')})`}`,
                ),
              ),
            );
            return undefined;
          }
          // The column a split by group or in order reads must be there too (it splits this dataset only without a test file).
          const splitColumn = !dataset.test && field === 'train' ? (split?.by ?? split?.group) : undefined;
          if (splitColumn !== undefined && !footer.columns.some((column) => column.name === splitColumn)) {
            const role = split?.by !== undefined ? 'by' : 'group';
            const guess = didYouMean(
              splitColumn,
              footer.columns.map((column) => column.name),
            );
            problems.push(
              issue(
                ['evaluation', 'split', role],
                redact(
                  `split.${role} column "${splitColumn}" is missing from ${name} (dataset ${dataset.name})` +
                    `${guess ? `; did you mean "${guess}"?` : `; columns: ${footer.columns.map((c) => c.name).join(', ')}`}`,
                ),
              ),
            );
          }
          const facts = (column: string): ColumnFacts => footer.facts?.(column) ?? {};
          targetFacts = mergeFacts(targetFacts, facts(target));
          if (byColumn !== undefined) byFacts = mergeFacts(byFacts, facts(byColumn));
          columns = footer.columns;
          rows += footer.numRows;
        }
        const shown = source.files.length === 1 ? shownPath(source, source.files[0]!) : value;
        return { source, columns, rows, shown, targetFacts, byFacts };
      };
      const train = await check('train', dataset.train);
      const test = dataset.test ? await check('test', dataset.test) : undefined;
      // Row counts from the footers, against the split: a dataset that cannot be split fails here, not in the run.
      // A problem of this dataset's data alone: a run fails its cells and runs the rest (see `ExperimentIssue.dataset`).
      const tooFew = (field: 'train' | 'test', why: string | undefined, prefixed = true) => {
        if (why)
          problems.push({ ...issue(['datasets', index, field], prefixed ? `${dataset[field]}: ${why}` : why), dataset: dataset.name });
      };
      // What the footers' statistics show: a target with no value, an ordered split that cannot split this dataset.
      for (const [field, side] of [
        ['train', train],
        ['test', test],
      ] as const) {
        if (side) tooFew(field, emptyTargetProblem(target, side.targetFacts, side.rows, side.shown), false);
      }
      const byColumn = train && split?.by !== undefined ? train.columns.find((column) => column.name === split.by) : undefined;
      if (train && byColumn && split?.test_from !== undefined && train.rows > 0) {
        const problem = orderedSplitProblem(
          { by: byColumn.name, test_from: split.test_from },
          byColumn,
          train.byFacts,
          dataset.name,
          train.shown,
        );
        if (problem) problems.push({ ...issue(['evaluation', 'split', 'test_from'], redact(problem)), dataset: dataset.name });
      }
      if (train && test) {
        tooFew('train', train.rows === 0 ? 'has no rows; a model needs training rows' : undefined);
        tooFew('test', test.rows === 0 ? 'has no rows; the held-out side needs rows to score' : undefined);
      } else if (train && !dataset.test && split && typeof split.test === 'number') {
        // An ordered or group split's sides are known only from the values, when staged: here, just too few rows.
        const ordered = split.by !== undefined || split.group !== undefined;
        const few = `has ${train.rows} row${train.rows === 1 ? '' : 's'}, too few for a training and a test side; use a larger dataset`;
        tooFew('train', ordered ? (train.rows < 2 ? few : undefined) : emptySplitProblem(train.rows, split.test));
      }
      if (!train || (dataset.test && !test)) return { problems };
      return {
        dataset: { name: dataset.name, train: train.source, test: test?.source, columns: train.columns, rows: train.rows },
        problems,
      };
    }),
  );
  // In the order of the file, whichever dataset was read first.
  for (const { problems } of resolved) issues.push(...problems);
  return resolved.flatMap(({ dataset }) => (dataset ? [dataset] : []));
}

/**
 * Reads just the footer of a parquet object (its last bytes: schema and statistics), whatever store holds it;
 * a CSV is read whole, for its schema alone.
 */
async function readFooter(store: Store, info: ObjectInfo): Promise<ParquetSchemaInfo & Partial<Pick<ParquetFooter, 'facts'>>> {
  if (isCsvName(info.key)) return readCsvSchema(await readBytes(store, info.key), info.key);
  if (info.size < 12) throw new Error(`only ${info.size} bytes; too small to be parquet`);
  const tailSize = Math.min(info.size, 64 * 1024);
  let tail = await readRange(store, info, info.size - tailSize);
  const footerLength = tail.readUInt32LE(tail.length - 8);
  if (tail.subarray(tail.length - 4).toString('latin1') !== 'PAR1') throw new Error('no parquet magic bytes at the end');
  if (footerLength + 8 > info.size) throw new Error('footer length is larger than the file');
  if (footerLength + 8 > tail.length) tail = await readRange(store, info, info.size - footerLength - 8);
  return readParquetFooter(new Uint8Array(tail.buffer, tail.byteOffset, tail.length));
}

/** The bytes of `info` from `start` to its end (the whole object from 0). */
async function readRange(store: Store, info: ObjectInfo, start: number): Promise<Buffer> {
  if (start <= 0) return readBytes(store, info.key);
  const bytes = await storeRanges(store, info).read(start, info.size);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
