/**
 * `--verbose`: the model's output as it is written. A staging store on this machine's disk is read
 * while the cell runs (every 200 ms, from where the last read ended; a new attempt starts the files
 * again); any other store gives the whole output once the attempt is over.
 */
import { open } from 'node:fs/promises';
import { stagingPaths } from '@mxn/core';
import { isNotFound, joinKey, readText, type Store } from '@mxn/storage';

export type OutputStream = 'stdout' | 'stderr';

export interface OutputFollower {
  /** Reads what is new now; at the end of an attempt, with `final`, also what a remote store holds. */
  flush(final?: boolean): Promise<void>;
  stop(): Promise<void>;
}

export function followCellOutput(
  staging: Store,
  key: string,
  onOutput: (stream: OutputStream, text: string) => void,
  everyMs = 200,
): OutputFollower {
  const prefix = stagingPaths.cellOutput(key);
  const offsets: Record<OutputStream, number> = { stdout: 0, stderr: 0 };
  // Whole lines are passed on; a line still being written waits for its end (or the attempt's).
  const partial: Record<OutputStream, string> = { stdout: '', stderr: '' };
  const pass = (stream: OutputStream, text: string, final: boolean) => {
    const all = partial[stream] + text;
    const end = final ? all.length : all.lastIndexOf('\n') + 1;
    partial[stream] = all.slice(end);
    if (end > 0) onOutput(stream, all.slice(0, end));
  };
  let busy: Promise<void> = Promise.resolve();

  const readLocal = async (stream: OutputStream, file: string, final: boolean) => {
    const handle = await open(file, 'r').catch(() => undefined);
    if (!handle) return pass(stream, '', final);
    try {
      const { size } = await handle.stat();
      if (size < offsets[stream]) offsets[stream] = 0; // a new attempt started the file again
      if (size === offsets[stream]) return pass(stream, '', final);
      const buffer = Buffer.alloc(size - offsets[stream]);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offsets[stream]);
      offsets[stream] += bytesRead;
      pass(stream, buffer.subarray(0, bytesRead).toString('utf8'), final);
    } finally {
      await handle.close();
    }
  };
  const readRemote = async (stream: OutputStream) => {
    const text = await readText(staging, joinKey(prefix, `${stream}.txt`)).catch((error: unknown) =>
      isNotFound(error) ? undefined : Promise.reject(error),
    );
    if (text) pass(stream, text, true);
  };
  const read = (final: boolean) => {
    busy = busy.then(async () => {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (staging.localPath) await readLocal(stream, staging.localPath(joinKey(prefix, `${stream}.txt`)), final);
        else if (final) await readRemote(stream);
      }
    });
    busy = busy.catch(() => undefined);
    return busy;
  };
  const timer = staging.localPath ? setInterval(() => void read(false), everyMs) : undefined;
  timer?.unref();
  return {
    flush: (final = false) => read(final),
    async stop() {
      if (timer) clearInterval(timer);
      await read(true);
    },
  };
}
