export interface CopyProgress {
  /** What just happened: a copy started, an object was copied / skipped / failed, bytes moved, or all is done. */
  event: 'start' | 'copied' | 'skipped' | 'failed' | 'bytes' | 'done';
  /** The object the event is about. */
  key?: string;
  /** For `copied`: how it went. */
  method?: 'server-side' | 'stream';
  /** For `failed`: the reason. */
  error?: string;
  /** Size of the object the event is about. */
  size?: number;
  filesTotal: number;
  filesDone: number;
  filesSkipped: number;
  filesFailed: number;
  bytesTotal: number;
  /** Bytes copied or skipped so far. */
  bytesDone: number;
  /** Average over the copy so far, bytes per second. */
  bytesPerSecond: number;
  elapsedMs: number;
}

export interface RenderProgressOptions {
  /** Where to write. Default `process.stderr`. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** One updating line (TTY) or one line per object (CI, logs). Default: the stream's `isTTY`. */
  tty?: boolean;
  /** Least time between TTY redraws, ms. Default 100. */
  intervalMs?: number;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

function summary(p: CopyProgress): string {
  const skipped = p.filesSkipped ? `, ${p.filesSkipped} skipped` : '';
  const failed = p.filesFailed ? `, ${p.filesFailed} failed` : '';
  return (
    `${p.filesDone}/${p.filesTotal} files${skipped}${failed}, ` +
    `${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}, ${formatBytes(p.bytesPerSecond)}/s`
  );
}

/**
 * A progress callback for `copy`: in a terminal one line that updates in place; otherwise (CI,
 * logs) one line per object and a closing summary.
 */
export function renderProgress(options: RenderProgressOptions = {}): (progress: CopyProgress) => void {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? Boolean(stream.isTTY);
  const interval = options.intervalMs ?? 100;
  let last = 0;
  return (p) => {
    if (tty) {
      const now = Date.now();
      if (p.event !== 'done' && p.event !== 'failed' && now - last < interval) return;
      last = now;
      stream.write(`\r\x1b[Kcopy: ${summary(p)}${p.event === 'done' ? '\n' : ''}`);
      if (p.event === 'failed') stream.write(`\n  failed ${p.key}: ${p.error}\n`);
      return;
    }
    const size = p.size !== undefined ? ` (${formatBytes(p.size)}` : '';
    if (p.event === 'copied') stream.write(`copied ${p.key}${size}, ${p.method})\n`);
    else if (p.event === 'skipped') stream.write(`skipped ${p.key}${size}, identical)\n`);
    else if (p.event === 'failed') stream.write(`failed ${p.key}: ${p.error}\n`);
    else if (p.event === 'done') stream.write(`copy: ${summary(p)} in ${(p.elapsedMs / 1000).toFixed(1)} s\n`);
  };
}
