import { open } from 'node:fs/promises';

/** The last `lines` lines of a text file (reading at most its last 64 KiB); `''` when it is missing or empty. */
export async function tailLines(file: string, lines: number, maxBytes = 64 * 1024): Promise<string> {
  if (lines <= 0) return '';
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const text = buffer.toString('utf8').replace(/\s+$/, '');
    if (text === '') return '';
    const all = text.split(/\r?\n/);
    // When the read started mid-file, its first line is probably cut: drop it unless it is all we have.
    const whole = size > length && all.length > 1 ? all.slice(1) : all;
    return whole.slice(-lines).join('\n');
  } finally {
    await handle.close();
  }
}
