import type { BatchServiceModels } from '@azure/batch';
import { describe, expect, it } from 'vitest';
import { failureInfoLine, failureMessage, isInfrastructureFailure } from './failure-info.js';

type Exec = BatchServiceModels.TaskExecutionInformation;
const exec = (failureInfo: Exec['failureInfo'], more: Partial<Exec> = {}): Exec => ({
  retryCount: 0,
  requeueCount: 0,
  result: 'failure',
  ...(failureInfo ? { failureInfo } : {}),
  ...more,
});

describe("a failed task's Batch failure info", () => {
  it('reads as one line: code, message, details not already said, the container error, the exit code', () => {
    const pull = exec({
      category: 'usererror',
      code: 'ContainerInvalidImage',
      message: 'One or more container images specified are invalid',
      details: [
        { name: 'ContainerImage', value: 'mxn.local/ridge:0123456789ab' },
        { name: 'Message', value: 'pull access denied for mxn.local/ridge\nrepository does not exist' },
      ],
    });
    expect(failureInfoLine(pull)).toBe(
      'ContainerInvalidImage: One or more container images specified are invalid ' +
        '(ContainerImage: mxn.local/ridge:0123456789ab; pull access denied for mxn.local/ridge)',
    );
    expect(
      failureInfoLine(
        exec(
          { category: 'usererror', code: 'ContainerPullImageFailed', message: 'The image could not be pulled' },
          { containerInfo: { error: 'manifest unknown' } },
        ),
      ),
    ).toBe('ContainerPullImageFailed: The image could not be pulled; container: manifest unknown');
    expect(failureInfoLine(exec({ category: 'servererror', code: 'FileUploadMiscError', message: 'upload failed' }, { exitCode: 0 }))).toBe(
      'FileUploadMiscError: upload failed (exit code 0)',
    );
    expect(failureInfoLine(exec({ category: 'servererror' }))).toBe('servererror');
    expect(failureInfoLine(exec(undefined, { exitCode: 1 }))).toBeUndefined();
    expect(failureInfoLine(exec({ category: 'usererror', code: 'X', message: 'y'.repeat(1000) }))).toHaveLength(400);
  });

  it('keeps the short forms for exit codes and timeouts', () => {
    expect(failureMessage(exec({ category: 'usererror', code: 'FailureExitCode', message: 'nonzero' }, { exitCode: 3 }), 60_000)).toBe(
      'exit code 3',
    );
    expect(failureMessage(exec(undefined, { exitCode: 2 }), 60_000)).toBe('exit code 2');
    expect(failureMessage(exec({ category: 'usererror', code: 'MaxWallClockTimeExceeded' }), 1_800_000)).toBe('timed out after 30m');
    expect(failureMessage(exec({ category: 'usererror', code: 'BlobDownloadMiscError', message: 'download failed' }), 0)).toBe(
      'BlobDownloadMiscError: download failed',
    );
    expect(failureMessage(undefined, 0)).toBe('failed');
  });

  it("is infrastructure when the platform failed (image pull, downloads, uploads, the node, Batch's own errors), not the model", () => {
    const infrastructure = (code: string | undefined, category: 'usererror' | 'servererror' = 'usererror') =>
      isInfrastructureFailure(exec({ category, ...(code ? { code } : {}) }));
    for (const code of [
      'ContainerInvalidImage',
      'ContainerPullImageFailed',
      'ContainerInvalidSettings',
      'BlobAccessDenied',
      'ResourceContainerAccessDenied',
      'FileUploadMiscError',
      'DiskFull',
      'NodePreempted',
    ])
      expect(infrastructure(code), code).toBe(true);
    expect(infrastructure('SomethingNew', 'servererror')).toBe(true);
    expect(infrastructure(undefined, 'servererror')).toBe(true);
    for (const code of ['FailureExitCode', 'MaxWallClockTimeExceeded', 'TaskEnded', 'CommandProgramNotFound'])
      expect(infrastructure(code), code).toBe(false);
    expect(infrastructure('FailureExitCode', 'servererror')).toBe(false);
    expect(isInfrastructureFailure(exec(undefined, { exitCode: 1 }))).toBe(false);
    expect(isInfrastructureFailure(undefined)).toBe(false);
  });

  it("is the model's whenever the model exited non-zero, whatever else Batch reports", () => {
    // [what happened, failure code, category, exit code, infrastructure?]
    const cases: Array<[string, string | undefined, 'usererror' | 'servererror', number | undefined, boolean]> = [
      ['the model exited 3', 'FailureExitCode', 'usererror', 3, false],
      ['an upload error after exit 2', 'FileUploadMiscError', 'usererror', 2, false],
      ['an upload error after exit 2, reported as a server error', 'FileUploadMiscError', 'servererror', 2, false],
      ['a full disk the model filled', 'DiskFull', 'usererror', 1, false],
      ['a server error after the model exited 137', 'SomethingNew', 'servererror', 137, false],
      ['a timeout', 'MaxWallClockTimeExceeded', 'usererror', undefined, false],
      ['an upload failure after exit 0', 'FileUploadMiscError', 'usererror', 0, true],
      ['an upload failure after exit 0, as a server error', 'FileUploadContainerNotFound', 'servererror', 0, true],
      ['pre-processing: a resource file download', 'BlobDownloadMiscError', 'usererror', undefined, true],
      ['an image pull', 'ContainerPullImageFailed', 'usererror', undefined, true],
      ['a container that could not start', 'ContainerInvalidSettings', 'usererror', undefined, true],
      ['a lost node', 'NodeLost', 'servererror', undefined, true],
      ['a preempted node', 'NodePreempted', 'usererror', undefined, true],
      ['a disk full before the model ran', 'DiskFull', 'usererror', undefined, true],
      ["Batch's own error without a code", undefined, 'servererror', undefined, true],
    ];
    const got = cases.map(([what, code, category, exitCode]) => [
      what,
      isInfrastructureFailure(exec({ category, ...(code ? { code } : {}) }, exitCode === undefined ? {} : { exitCode })),
    ]);
    expect(got).toEqual(cases.map(([what, , , , infrastructure]) => [what, infrastructure]));
  });

  it('masks SAS signatures in the whole line: message, details and container error', () => {
    const url =
      'https://acct.blob.core.windows.net/staging/inputs/k/train.parquet' +
      '?sv=2024-08-04&se=2026-12-01T00%3A00%3A00Z&sr=b&sp=r&sig=SECRET%2Bsig%3D';
    const line = failureInfoLine(
      exec(
        {
          category: 'usererror',
          code: 'BlobDownloadMiscError',
          message: `Could not download ${url}`,
          details: [
            { name: 'BlobSource', value: url },
            { name: 'FilePath', value: 'in/train.parquet' },
            { name: 'Query', value: 'sig=BARE&se=2026-12-01&sp=cw' },
          ],
        },
        { containerInfo: { error: `GET ${url.replace('?', '?sp=r&')} failed` } },
      ),
    );
    expect(line).not.toMatch(/SECRET|BARE/);
    expect(line).toContain('train.parquet?sv=2024-08-04&se=2026-12-01T00%3A00%3A00Z&sr=b&sp=r&sig=***');
    expect(line).toContain('Query: sig=***&se=2026-12-01&sp=cw');
    expect(failureMessage(exec({ category: 'usererror', code: 'BlobDownloadMiscError', message: `from ${url}` }), 0)).toMatch(
      /sig=\*\*\*$/,
    );
  });
});
