/**
 * Stages each dataset's split once: `inputs/<inputKey>/{train,test}.parquet` for the tasks and
 * `labels/<inputKey>/labels.parquet` for the harness. A split already staged is not redone.
 */
import { concatTables, prepareCellInputs, readParquet, writeParquet, type Table } from '@mxn/data';
import { joinKey, readBytes, type Store } from '@mxn/storage';
import { stagingPaths, type DataSource, type LoadedExperiment, type PlannedCell } from '@mxn/core';

export interface StageReport {
  /** Splits written by this call. */
  staged: string[];
  /** Splits already present. */
  reused: string[];
}

export async function stageInputs(loaded: LoadedExperiment, cells: PlannedCell[], staging: Store): Promise<StageReport> {
  const byKey = new Map<string, string>();
  for (const cell of cells) byKey.set(cell.inputKey, cell.dataset);
  const report: StageReport = { staged: [], reused: [] };
  for (const [inputKey, datasetName] of byKey) {
    const files = ['train.parquet', 'test.parquet'].map((name) => joinKey(stagingPaths.inputs(inputKey), name));
    const labels = joinKey(stagingPaths.labels(inputKey), 'labels.parquet');
    const present = await Promise.all([...files, labels].map((key) => staging.head(key)));
    if (present.every(Boolean)) {
      report.reused.push(datasetName);
      continue;
    }
    const dataset = loaded.datasets.find((item) => item.name === datasetName)!;
    const train = await readSource(dataset.train);
    const testTable = dataset.test ? await readSource(dataset.test) : undefined;
    const prepared = prepareCellInputs(train, { target: loaded.spec.evaluation.target, split: loaded.spec.evaluation.split, testTable });
    // Labels first, inputs last: a task never sees inputs whose labels are missing.
    await staging.write(labels, writeParquet(prepared.labels));
    await staging.write(files[1]!, writeParquet(prepared.test));
    await staging.write(files[0]!, writeParquet(prepared.train));
    report.staged.push(datasetName);
  }
  return report;
}

async function readSource(source: DataSource): Promise<Table> {
  const tables = [];
  for (const file of source.files) tables.push(await readParquet(new Uint8Array(await readBytes(source.store, file.key))));
  return tables.length === 1 ? tables[0]! : concatTables(tables);
}
