import { describe, expect, it } from 'vitest';
import { ImagesError } from '@mxn/images';
import { StoreError } from '@mxn/storage';
import { failAction, type ActionFailureSink } from './action-failure.js';
import { GitHubLoopError } from './errors.js';

function fakeSink(withDebug = true): ActionFailureSink & { failed: string[]; debugged: string[] } {
  const failed: string[] = [];
  const debugged: string[] = [];
  return {
    failed,
    debugged,
    setFailed: (message) => failed.push(message),
    ...(withDebug ? { debug: (message: string) => debugged.push(message) } : {}),
  };
}

describe('failAction', () => {
  it('fails the step once with the message and the hint on its second line, and returns the exit class', () => {
    const sink = fakeSink();
    const error = new ImagesError('Config', 'no registry to push model images to', { hint: 'set MXN_REGISTRY (e.g. myacr.azurecr.io)' });
    expect(failAction(error, 'mxn build-images', sink)).toBe('input');
    expect(sink.failed).toEqual([
      'mxn build-images: images: no registry to push model images to\nhint: set MXN_REGISTRY (e.g. myacr.azurecr.io)',
    ]);
    expect(sink.debugged).toHaveLength(1);
    expect(sink.debugged[0]).toMatch(/^ImagesError: images: no registry|^Error: images: no registry/);
  });

  it('prints only the message when there is no hint, and sends the causes to the debug log', () => {
    const sink = fakeSink();
    const error = new StoreError('Transient', 's3 read x: SlowDown', { cause: new Error('HTTP 503') });
    expect(failAction(error, 'mxn run', sink)).toBe('failure');
    expect(sink.failed).toEqual(['mxn run: store: s3 read x: SlowDown']);
    expect(sink.debugged.join('\n')).toContain('cause: Error: HTTP 503');
  });

  it('takes anything thrown, and maps it as the CLI does', () => {
    const sink = fakeSink(false);
    expect(failAction(new Error('3 cell(s) failed'), 'mxn run', sink)).toBe('failure');
    expect(failAction('plain text', 'mxn plan', sink)).toBe('failure');
    expect(
      failAction(
        new GitHubLoopError('Usage', 'no GitHub token', { hint: 'pass `token: ${{ github.token }}` to the action' }),
        'mxn report',
        sink,
      ),
    ).toBe('input');
    expect(failAction(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }), 'mxn run', sink)).toBe('cancelled');
    expect(sink.failed).toEqual([
      'mxn run: 3 cell(s) failed',
      'mxn plan: plain text',
      'mxn report: github: no GitHub token\nhint: pass `token: ${{ github.token }}` to the action',
      'mxn run: This operation was aborted',
    ]);
  });
});
