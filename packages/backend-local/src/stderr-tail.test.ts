import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tailLines } from './stderr-tail.js';

describe('tailLines', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mxn-tail-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps the last lines without the trailing newline', async () => {
    const file = path.join(dir, 'short.txt');
    await writeFile(file, `${Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n')}\n\n`);
    expect(await tailLines(file, 3)).toBe('line 28\nline 29\nline 30');
  });

  it('reads only the end of a large file and drops the cut line at the start of what it read', async () => {
    const file = path.join(dir, 'large.txt');
    await writeFile(file, `${'x'.repeat(200_000)}\nlast but one\nlast`);
    expect(await tailLines(file, 5, 1024)).toBe('last but one\nlast');
  });

  it('gives nothing for a missing or empty file', async () => {
    await writeFile(path.join(dir, 'empty.txt'), '');
    expect(await tailLines(path.join(dir, 'empty.txt'), 20)).toBe('');
    expect(await tailLines(path.join(dir, 'missing.txt'), 20)).toBe('');
  });
});
