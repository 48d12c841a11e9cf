// Fan-in step: runs once after every cell. For each dataset it averages the predictions of every
// cell that succeeded or came from the cache, and writes `ensemble-<dataset>.parquet` (column
// `prediction`) and `summary.json` (which cells it used, which failed, which it had to skip and why)
// into MXN_OUTPUT_DIR. Failed or unreadable cells never stop it; it fails only without a manifest.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readAggregateInputs, readCellPredictions, writePredictions } from '@mxn/model-kit';

const USABLE = new Set(['succeeded', 'cached']);

try {
  const { manifest, inputDir, outputDir } = await readAggregateInputs();
  await mkdir(outputDir, { recursive: true });
  const datasets = [...new Set(manifest.cells.map((cell) => cell.dataset))].sort();
  const summary = { experiment: manifest.experiment, runId: manifest.runId, target: manifest.target, datasets: {} };

  for (const dataset of datasets) {
    const cells = manifest.cells.filter((cell) => cell.dataset === dataset);
    const entry = { used: [], failed: [], skipped: [], rows: 0, output: null };
    summary.datasets[dataset] = entry;
    let sum = null;
    for (const cell of cells) {
      if (!USABLE.has(cell.status)) {
        entry.failed.push({ id: cell.id, model: cell.model, status: cell.status });
        continue;
      }
      const skip = (reason) => entry.skipped.push({ id: cell.id, model: cell.model, reason });
      let predictions;
      try {
        predictions = await readCellPredictions(inputDir, cell);
      } catch (error) {
        skip(error.message);
        continue;
      }
      const column = predictions.columns.prediction;
      if (!(column instanceof Float64Array)) {
        skip(column === undefined ? 'no "prediction" column' : '"prediction" is not numeric');
        continue;
      }
      if (sum === null) sum = new Float64Array(column.length);
      if (column.length !== sum.length) {
        skip(`${column.length} predictions, other cells of ${dataset} have ${sum.length}`);
        continue;
      }
      for (let i = 0; i < column.length; i++) sum[i] += column[i];
      entry.used.push({ id: cell.id, model: cell.model });
    }
    if (entry.used.length > 0) {
      const mean = sum.map((v) => v / entry.used.length);
      const file = `ensemble-${safeName(dataset)}.parquet`;
      await writePredictions(mean, { outputDir, fileName: file });
      entry.rows = mean.length;
      entry.output = file;
    }
    console.log(`ensemble ${dataset}: averaged ${entry.used.length} cells, ${entry.failed.length} failed, ${entry.skipped.length} skipped`);
  }
  await writeFile(join(outputDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
} catch (error) {
  process.stderr.write(`ensemble: ${error.message}\n`);
  process.exitCode = 1;
}

function safeName(name) {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
