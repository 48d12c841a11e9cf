import { describe, expect, it } from 'vitest';
import { formatBytes, renderProgress, type CopyProgress } from './progress.js';
import { splitLast } from './locate.js';

const base: CopyProgress = {
  event: 'start',
  filesTotal: 3,
  filesDone: 0,
  filesSkipped: 0,
  filesFailed: 0,
  bytesTotal: 3 * 1024 * 1024,
  bytesDone: 0,
  bytesPerSecond: 0,
  elapsedMs: 0,
};

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (text: string) => out.push(text) } as unknown as NodeJS.WritableStream & { isTTY: boolean } };
}

describe('renderProgress', () => {
  it('writes one line per object and a summary when not a terminal', () => {
    const { out, stream } = sink(false);
    const render = renderProgress({ stream });
    render({ ...base, event: 'bytes', bytesDone: 10 });
    render({ ...base, event: 'copied', key: 'a.parquet', size: 1024 * 1024, method: 'server-side', filesDone: 1 });
    render({ ...base, event: 'skipped', key: 'b.parquet', size: 2048, filesSkipped: 1 });
    render({ ...base, event: 'failed', key: 'c.parquet', error: 'boom', filesFailed: 1 });
    render({
      ...base,
      event: 'done',
      filesDone: 1,
      filesSkipped: 1,
      filesFailed: 1,
      bytesDone: 1024 * 1024 + 2048,
      bytesPerSecond: 1024 * 1024,
      elapsedMs: 1500,
    });
    expect(out).toEqual([
      'copied a.parquet (1.0 MiB, server-side)\n',
      'skipped b.parquet (2.0 KiB, identical)\n',
      'failed c.parquet: boom\n',
      'copy: 1/3 files, 1 skipped, 1 failed, 1.0 MiB / 3.0 MiB, 1.0 MiB/s in 1.5 s\n',
    ]);
  });

  it('updates one line in a terminal, throttled, ending with a newline', () => {
    const { out, stream } = sink(true);
    const render = renderProgress({ stream, intervalMs: 10_000 });
    render({ ...base, event: 'bytes', bytesDone: 1 });
    render({ ...base, event: 'bytes', bytesDone: 2 }); // throttled
    render({ ...base, event: 'done', filesDone: 3, bytesDone: base.bytesTotal });
    expect(out).toHaveLength(2);
    expect(out[0]?.startsWith('\r\u001b[Kcopy: 0/3 files, 1 B / 3.0 MiB')).toBe(true);
    expect(out[1]).toMatch(/copy: 3\/3 files, 3\.0 MiB \/ 3\.0 MiB, .*\n$/);
  });

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});

describe('splitLast', () => {
  it('splits URIs into parent and name, keeping a SAS on the parent', () => {
    expect(splitLast('s3://bucket/a/b.parquet')).toEqual({ parent: 's3://bucket/a', name: 'b.parquet' });
    expect(splitLast('s3://bucket/b.parquet')).toEqual({ parent: 's3://bucket', name: 'b.parquet' });
    expect(splitLast('s3://bucket')).toBeUndefined();
    expect(splitLast('https://a.blob.core.windows.net/c/x/y.bin?sv=1&sig=s')).toEqual({
      parent: 'https://a.blob.core.windows.net/c/x?sv=1&sig=s',
      name: 'y.bin',
    });
    expect(splitLast('/tmp/data/x.csv')).toEqual({ parent: '/tmp/data', name: 'x.csv' });
  });
});

describe('formatBytes', () => {
  it('rounds amounts below 1 KiB to whole bytes', () => {
    expect(formatBytes(123.456)).toBe('123 B');
    expect(formatBytes(0.4)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});
