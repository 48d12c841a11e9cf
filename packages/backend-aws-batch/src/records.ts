/**
 * Task records: what one task of a job needs, as a shell fragment its wrapper evaluates — the
 * task-protocol variables, `mxn_inputs` (downloads through presigned GETs), `mxn_command` (the model's
 * command, exec'd in the image's WORKDIR) and `MXN_OUTPUT_URL` (one presigned PUT for the output
 * bundle). A job's records are one object in staging, every record padded to the same width, so child
 * *i* of an array job reads only bytes [i × width, (i + 1) × width) with one ranged GET of the one URL
 * every child shares (AWS Batch gives all children of an array job the same overrides).
 */
import { BackendError, type TaskSpec } from '@mxn/core';
import { shellQuote } from './wrapper/task-wrapper.js';

/** A task's downloads: presigned GET URL → path under MXN_INPUT_DIR. */
export interface InputFile {
  url: string;
  path: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The record of a cell: its variables, its inputs, its command and where its bundle goes. */
export function cellRecord(task: TaskSpec, inputs: InputFile[], outputUrl: string): string {
  const gets = inputs.map((file) => `io get ${shellQuote(file.url)} "$MXN_INPUT_DIR"/${shellQuote(file.path)}`);
  return record(task, gets, outputUrl);
}

/**
 * The aggregate's record: it downloads `manifest.json` and then, with the helper's `cells` command,
 * every cell's bundle (or, for a cached cell, its stored files) into `cells/<id>/`, resolving the
 * manifest's `pending` statuses from the bundles.
 */
export function aggregateRecord(task: TaskSpec, manifestUrl: string, cellListUrl: string, outputUrl: string): string {
  return record(
    task,
    [`io get ${shellQuote(manifestUrl)} "$MXN_INPUT_DIR/manifest.json"`, `io cells ${shellQuote(cellListUrl)} "$MXN_INPUT_DIR"`],
    outputUrl,
  );
}

function record(task: TaskSpec, downloads: string[], outputUrl: string): string {
  for (const name of Object.keys(task.env)) {
    if (!NAME.test(name)) throw new BackendError(`aws-batch: task ${task.id} has an environment variable named ${JSON.stringify(name)}`);
  }
  const env = Object.entries(task.env).map(([name, value]) => `export ${name}=${shellQuote(value)}`);
  return [
    ...env,
    `MXN_OUTPUT_URL=${shellQuote(outputUrl)}`,
    `mxn_inputs() { ${[...downloads, 'true'].join(' && ')}; }`,
    `mxn_command() { exec ${task.command.map(shellQuote).join(' ')}; }`,
    '',
  ].join('\n');
}

/** The records as one object: each padded with spaces to the widest, and that width. */
export function recordsObject(records: string[]): { text: string; width: number } {
  const width = Math.max(...records.map((text) => Buffer.byteLength(text)));
  return { text: records.map((text) => text + ' '.repeat(width - Buffer.byteLength(text))).join(''), width };
}
