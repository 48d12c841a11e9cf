import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BackendError, ExperimentError } from '@mxn/core';
import { MxnError } from '@mxn/errors';
import { StoreError } from '@mxn/storage';
import type { Output } from './output.js';
import { reportError } from './report-error.js';

function capture(): { output: Output; err: () => string } {
  const out = new PassThrough();
  const err = new PassThrough();
  let text = '';
  err.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { output: { out, err, color: false }, err: () => text };
}

function report(error: unknown, verbose = false): { code: number; stderr: string } {
  const { output, err } = capture();
  const code = reportError(error, output, verbose);
  return { code, stderr: err() };
}

describe('reportError: one mapping for every command', () => {
  it('exits 2 with the hint for missing configuration (no Batch URL)', () => {
    const noUrl = new BackendError('azure-batch: AZURE_BATCH_ACCOUNT_URL is not set', {
      code: 'Config',
      hint: 'set AZURE_BATCH_ACCOUNT_URL, AZURE_BATCH_ACCOUNT_NAME and AZURE_BATCH_ACCOUNT_KEY',
    });
    expect(report(noUrl)).toEqual({
      code: 2,
      stderr:
        'error backend: azure-batch: AZURE_BATCH_ACCOUNT_URL is not set\n' +
        'hint: set AZURE_BATCH_ACCOUNT_URL, AZURE_BATCH_ACCOUNT_NAME and AZURE_BATCH_ACCOUNT_KEY\n',
    });
    expect(report(new MxnError('Config', 'MXN_STAGING is not set')).code).toBe(2);
  });

  it('exits 2 for input (usage, a missing object, a bad URI, a results file), 1 for failures, 130 when cancelled', () => {
    expect(
      report(new MxnError('Usage', 'mxn run: expected one experiment.yaml, got 0', { hint: 'usage: mxn run <experiment.yaml>' })),
    ).toEqual({
      code: 2,
      stderr: 'error mxn run: expected one experiment.yaml, got 0\nhint: usage: mxn run <experiment.yaml>\n',
    });
    expect(report(new StoreError('NotFound', 'data/seoul.parquet does not exist')).code).toBe(2);
    expect(report(new StoreError('InvalidUri', '"gs://x" is not a URI mxn reads')).code).toBe(2);
    expect(report(new StoreError('AccessDenied', 'no permission for x')).code).toBe(2);
    expect(report(new MxnError('Results', 'x.json: not an mxn results file of version 1')).code).toBe(2);
    expect(report(new StoreError('Transient', 's3 read x: SlowDown')).code).toBe(1);
    expect(report(new BackendError('azure-batch: adding job j failed: InternalError'))).toEqual({
      code: 1,
      stderr: 'error backend: azure-batch: adding job j failed: InternalError\n',
    });
    expect(report(new Error('boom'))).toEqual({ code: 1, stderr: 'error boom\n' });
    expect(report(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' })).code).toBe(130);
  });

  it('lists an experiment’s problems with their count, exit 2', () => {
    const error = new ExperimentError([
      { file: 'experiments/x.yaml', line: 3, column: 5, message: 'unknown key "comand"' },
      { file: 'experiments/x.yaml', line: 9, column: 1, message: 'list at least one model' },
    ]);
    expect(report(error)).toEqual({
      code: 2,
      stderr:
        'experiments/x.yaml:3:5: unknown key "comand"\nexperiments/x.yaml:9:1: list at least one model\n2 problems; nothing was run\n',
    });
  });

  it('adds the stack and the causes with --verbose', () => {
    const { code, stderr } = report(new StoreError('Failed', 'local write x: disk full', { cause: new Error('ENOSPC') }), true);
    expect(code).toBe(1);
    expect(stderr.split('\n')[0]).toBe('error store: local write x: disk full');
    expect(stderr).toMatch(/\n\s+at /);
    expect(stderr).toContain('\ncause: Error: ENOSPC');
  });
});
