/**
 * Writes `results.json`, `summary.md` and `report.html` into a folder. Each file is written to a
 * temporary name and renamed into place, so a reader never sees a half-written file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RESULTS_VERSION, type ExperimentResults } from '@mxn/core';
import { MxnError } from '@mxn/errors';
import { renderReportHtml } from './report-html.js';
import { renderSummary } from './summary-markdown.js';

export interface WrittenResults {
  results: string;
  summary: string;
  report: string;
}

export interface WriteResultsOptions {
  /** Results to compare against (e.g. the base branch's results.json). */
  baseline?: ExperimentResults;
}

export async function writeResults(results: ExperimentResults, dir: string, options: WriteResultsOptions = {}): Promise<WrittenResults> {
  await mkdir(dir, { recursive: true });
  const files = {
    results: path.join(dir, 'results.json'),
    summary: path.join(dir, 'summary.md'),
    report: path.join(dir, 'report.html'),
  };
  await atomicWrite(files.summary, renderSummary(results, { baseline: options.baseline }));
  await atomicWrite(files.report, renderReportHtml(results, { baseline: options.baseline }));
  await atomicWrite(files.results, `${JSON.stringify(results, null, 2)}\n`);
  return files;
}

/** Reads and checks a results file (for `mxn report` and `--baseline`). */
export async function readResults(file: string): Promise<ExperimentResults> {
  let parsed: ExperimentResults;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as ExperimentResults;
  } catch (error) {
    throw new MxnError('Results', `${file}: cannot read results (${(error as Error).message})`, {
      cause: error,
      hint: 'pass a results.json written by mxn run',
    });
  }
  if (parsed?.version !== RESULTS_VERSION || !Array.isArray(parsed.cells)) {
    throw new MxnError('Results', `${file}: not an mxn results file of version ${RESULTS_VERSION}`, {
      hint: 'pass a results.json written by mxn run',
    });
  }
  return parsed;
}

async function atomicWrite(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, file);
}
