import { describe, expect, it } from 'vitest';
import { describeError, EXIT_CODES, exitCodeOf, formatErrorLines, MxnError } from './index.js';

class StoreLikeError extends MxnError {
  override readonly name = 'StoreLikeError';
  constructor(
    override readonly code: 'NotFound' | 'Failed',
    message: string,
  ) {
    super(code, message, {
      exitClass: code === 'NotFound' ? 'input' : 'failure',
      hint: code === 'NotFound' ? 'check the path' : undefined,
    });
  }
}

describe('MxnError', () => {
  it('carries code, hint, cause and an exit class chosen by code (failure unless known or said)', () => {
    const cause = new Error('ENOENT');
    const usage = new MxnError('Usage', 'bad flag', { hint: 'see --help', cause });
    expect(usage).toBeInstanceOf(Error);
    expect([usage.name, usage.code, usage.message, usage.hint, usage.exitClass, usage.cause]).toEqual([
      'MxnError',
      'Usage',
      'bad flag',
      'see --help',
      'input',
      cause,
    ]);
    expect(new MxnError('Config', 'X is not set').exitClass).toBe('input');
    expect(new MxnError('InvalidExperiment', 'x').exitClass).toBe('input');
    expect(new MxnError('Results', 'x').exitClass).toBe('input');
    expect(new MxnError('Backend', 'x').exitClass).toBe('failure');
    expect(new MxnError('Run', 'x').exitClass).toBe('failure');
    expect(new MxnError('Whatever', 'x').exitClass).toBe('failure');
    expect(new MxnError('toString', 'x').exitClass).toBe('failure');
    expect(new MxnError('Run', 'x', { exitClass: 'cancelled' }).exitClass).toBe('cancelled');
    expect(new MxnError('Usage', 'x', { hint: '  ' }).hint).toBeUndefined();
    expect('cause' in new MxnError('Run', 'x')).toBe(false);
  });

  it('lets a subclass set its name and the class of each of its codes', () => {
    const missing = new StoreLikeError('NotFound', 'a.parquet does not exist');
    expect(missing).toBeInstanceOf(MxnError);
    expect([missing.name, missing.code, missing.exitClass, missing.hint]).toEqual([
      'StoreLikeError',
      'NotFound',
      'input',
      'check the path',
    ]);
    expect(new StoreLikeError('Failed', 'x').exitClass).toBe('failure');
  });
});

describe('exitCodeOf', () => {
  it('maps input → 2, failure → 1, cancelled → 130, and anything else → 1', () => {
    expect(EXIT_CODES).toEqual({ ok: 0, failure: 1, input: 2, cancelled: 130 });
    expect(exitCodeOf(new MxnError('Usage', 'x'))).toBe(2);
    expect(exitCodeOf(new MxnError('Run', 'x'))).toBe(1);
    expect(exitCodeOf(new MxnError('Run', 'x', { exitClass: 'cancelled' }))).toBe(130);
    expect(exitCodeOf(new StoreLikeError('NotFound', 'x'))).toBe(2);
    expect(exitCodeOf(new Error('boom'))).toBe(1);
    expect(exitCodeOf('a string')).toBe(1);
    expect(exitCodeOf(undefined)).toBe(1);
    expect(exitCodeOf(null)).toBe(1);
  });

  it('reads an AbortError, or a failure caused by one, as cancelled', () => {
    const controller = new AbortController();
    controller.abort();
    expect(exitCodeOf(controller.signal.reason)).toBe(130);
    expect(exitCodeOf(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(130);
    expect(exitCodeOf(new MxnError('Backend', 'request failed', { cause: controller.signal.reason }))).toBe(130);
    expect(exitCodeOf(new Error('outer', { cause: new Error('inner', { cause: controller.signal.reason }) }))).toBe(130);
    // An input problem stays one, whatever its cause.
    expect(exitCodeOf(new MxnError('Usage', 'x', { cause: controller.signal.reason }))).toBe(2);
  });

  it('trusts the exit class of an mxn error from another copy of this package', () => {
    const foreign = Object.assign(new Error('AZURE_BATCH_ACCOUNT_URL is not set'), { code: 'Config', exitClass: 'input', hint: 'set it' });
    expect(exitCodeOf(foreign)).toBe(2);
    expect(exitCodeOf(Object.assign(new Error('x'), { exitClass: 'bogus' }))).toBe(1);
  });
});

describe('describeError', () => {
  it('gives message, hint, exit class and code', () => {
    expect(describeError(new MxnError('Usage', 'bad flag', { hint: 'see --help' }))).toEqual({
      message: 'bad flag',
      hint: 'see --help',
      exitClass: 'input',
      code: 'Usage',
    });
    expect(describeError(new Error('boom'))).toEqual({ message: 'boom', exitClass: 'failure' });
    expect(describeError(Object.assign(new Error('no file'), { code: 'ENOENT' }))).toEqual({
      message: 'no file',
      exitClass: 'failure',
      code: 'ENOENT',
    });
    expect(describeError('plain text')).toEqual({ message: 'plain text', exitClass: 'failure' });
    expect(describeError(42)).toEqual({ message: '42', exitClass: 'failure' });
    expect(describeError(new Error(''))).toEqual({ message: 'Error', exitClass: 'failure' });
  });
});

describe('formatErrorLines', () => {
  it('prints the message, then the hint', () => {
    expect(formatErrorLines(new MxnError('Usage', 'bad flag', { hint: 'see --help' }))).toEqual(['bad flag', 'hint: see --help']);
    expect(formatErrorLines(new Error('boom'))).toEqual(['boom']);
    expect(formatErrorLines(new Error('first\nsecond'))).toEqual(['first', 'second']);
  });

  it('with verbose, adds the stack and every cause', () => {
    const root = new Error('disk full');
    const error = new MxnError('Run', 'cannot write', { hint: 'free some space', cause: new Error('write failed', { cause: root }) });
    const lines = formatErrorLines(error, { verbose: true });
    expect(lines.slice(0, 2)).toEqual(['cannot write', 'hint: free some space']);
    expect(lines[2]).toMatch(/cannot write/); // the stack's first line
    expect(lines.some((line) => /^\s+at /.test(line))).toBe(true);
    expect(lines.filter((line) => line.startsWith('cause: '))).toEqual(['cause: Error: write failed', 'cause: Error: disk full']);
    expect(formatErrorLines(new MxnError('Run', 'x', { cause: 'a reason' }), { verbose: true }).at(-1)).toBe('cause: a reason');
  });
});
