/**
 * Stages each dataset's split once: `inputs/<inputKey>/{train,test}.parquet` in the staging store for
 * the tasks, and `labels/<inputKey>/labels.parquet` in the cache store, which only the harness
 * writes (no task token covers it). A split already staged is not redone.
 */
import { concatTables, isCsvName, prepareCellInputs, readCsv, readParquet, writeParquet, type Table } from '@mxn/data';
import { MxnError } from '@mxn/errors';
import { joinKey, readBytes, type Store } from '@mxn/storage';
import { cachePaths, stagingPaths, type DataSource, type LoadedExperiment, type PlannedCell } from '@mxn/core';

export interface StageReport {
  /** Splits written by this call. */
  staged: string[];
  /** Splits already present. */
  reused: string[];
  /**
   * Datasets that could not be read or split (a damaged file, too few rows, an empty target), each with
   * one line naming it and the fix. Only their own cells fail; the others run.
   */
  failed: Map<string, string>;
  /** Rows on each side of each dataset's split (staged now or before), by dataset name. */
  rows: Map<string, SplitRows>;
}

/** How many rows each side of a staged split has (`cachePaths.splitRows`). */
export interface SplitRows {
  train: number;
  test: number;
}

export async function stageInputs(loaded: LoadedExperiment, cells: PlannedCell[], staging: Store, cache: Store): Promise<StageReport> {
  const byKey = new Map<string, string>();
  for (const cell of cells) byKey.set(cell.inputKey, cell.dataset);
  const report: StageReport = { staged: [], reused: [], failed: new Map(), rows: new Map() };
  for (const [inputKey, datasetName] of byKey) {
    const files = ['train.parquet', 'test.parquet'].map((name) => joinKey(stagingPaths.inputs(inputKey), name));
    const labels = joinKey(cachePaths.labels(inputKey), 'labels.parquet');
    // A split staged before row counts were kept (no rows.json) is staged again: the same rows, now counted.
    const rowsKey = cachePaths.splitRows(inputKey);
    const present = await Promise.all([...files.map((key) => staging.head(key)), cache.head(labels), cache.head(rowsKey)]);
    if (present.every(Boolean)) {
      const rows = await readSplitRows(cache, inputKey);
      if (rows) report.rows.set(datasetName, rows);
      report.reused.push(datasetName);
      continue;
    }
    const dataset = loaded.datasets.find((item) => item.name === datasetName)!;
    let prepared: ReturnType<typeof prepareCellInputs>;
    try {
      const train = await readSource(dataset.train);
      const testTable = dataset.test ? await readSource(dataset.test) : undefined;
      prepared = prepareCellInputs(train, { target: loaded.spec.evaluation.target, split: loaded.spec.evaluation.split, testTable });
    } catch (error) {
      if (!(error instanceof MxnError) || error.exitClass !== 'input') throw error;
      report.failed.set(datasetName, `dataset ${datasetName}: ${error.message}${error.hint ? `; ${error.hint}` : ''}`);
      continue;
    }
    // Labels first, inputs last: a task never sees inputs whose labels are missing.
    await cache.write(labels, writeParquet(prepared.labels));
    await staging.write(files[1]!, writeParquet(prepared.test));
    await staging.write(files[0]!, writeParquet(prepared.train));
    const rows: SplitRows = { train: prepared.train.numRows, test: prepared.test.numRows };
    await cache.write(rowsKey, JSON.stringify(rows));
    report.rows.set(datasetName, rows);
    report.staged.push(datasetName);
  }
  return report;
}

/** The row counts of a staged split, when its `rows.json` is there and well formed. */
export async function readSplitRows(cache: Store, inputKey: string): Promise<SplitRows | undefined> {
  try {
    const rows = JSON.parse((await readBytes(cache, cachePaths.splitRows(inputKey))).toString('utf8')) as Partial<SplitRows>;
    return Number.isInteger(rows.train) && Number.isInteger(rows.test) ? { train: rows.train!, test: rows.test! } : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a dataset's files into one table; a CSV is converted here, once per staged split. */
async function readSource(source: DataSource): Promise<Table> {
  const tables = [];
  for (const file of source.files) {
    const bytes = new Uint8Array(await readBytes(source.store, file.key));
    tables.push(isCsvName(file.key) ? readCsv(bytes, file.key) : await readParquet(bytes, { name: file.key }));
  }
  return tables.length === 1 ? tables[0]! : concatTables(tables);
}
