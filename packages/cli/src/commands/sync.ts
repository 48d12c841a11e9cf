import { describeError, exitCodeOf, MxnError } from '@mxn/errors';
import { copy, formatBytes, redact, renderProgress, type CopyResult, type PlannedObject } from '@mxn/storage';
import { parse } from '../args.js';
import { bold, red, type Output } from '../output.js';
import { help } from './validate.js';

const syncHelp = `usage: mxn sync <source> <destination> [options]

Copies an object, or every object under a prefix (a source ending in "/"), between
local folders, S3 and Azure Blob, in either direction. Objects already identical at the
destination (size + MD5) are skipped; every written object is verified. S3 → Blob goes
server-side (the Blob service pulls from presigned S3 URLs); other directions stream.

  <source>, <destination>   a path, file://…, s3://bucket/prefix, az://account/container/prefix
                            or https://account.blob.core.windows.net/container/prefix
  --concurrency N           objects copied at once (default 8)
  --dry-run                 list what would be copied and what skipped; copy nothing
  --json                    print a JSON summary on stdout (progress stays on stderr)

Credentials come from the usual places: AWS_* variables, profile or web identity for S3;
AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY, a SAS or
DefaultAzureCredential for Blob.

Exit code: 0 everything copied or skipped, 1 some objects failed (run again to finish;
copied objects are skipped), 2 bad usage or URI, or a source that does not exist or may
not be read (the same codes as every mxn command).`;

/** The `--json` summary. */
interface SyncSummary {
  source: string;
  destination: string;
  dryRun: boolean;
  ok: boolean;
  copied: number;
  skipped: number;
  failed: number;
  /** Bytes copied (dry run: bytes that would be copied). */
  bytes: number;
  elapsedMs: number;
  /** Bytes copied per second over the whole sync. */
  bytesPerSecond: number;
  serverSide: number;
  streamed: number;
  objects: { key: string; size?: number; action: 'copy' | 'skip' | 'copied' | 'skipped'; method?: string }[];
  failures: { key: string; error: string }[];
  /** The first failure, or a failure before any object was tried. */
  error?: string;
}

export async function syncCommand(argv: string[], output: Output): Promise<number> {
  const { values, positionals } = parse('sync', argv, {
    concurrency: { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.help) return help(output, syncHelp);
  if (positionals.length !== 2) {
    throw new MxnError(
      'Usage',
      `mxn sync: expected <source> <destination>, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}`,
      { hint: 'usage: mxn sync <source> <destination> [--concurrency N] [--dry-run] [--json]' },
    );
  }
  const [source, destination] = positionals as [string, string];
  const concurrency = values.concurrency === undefined ? 8 : Number(values.concurrency);
  if (!(Number.isInteger(concurrency) && concurrency > 0))
    throw new MxnError('Usage', `mxn sync: --concurrency expects a positive whole number, got "${values.concurrency}"`);
  const shown = { source: redact(source), destination: redact(destination) };

  try {
    if (values['dry-run']) return await dryRun(source, destination, concurrency, shown, Boolean(values.json), output);
    const progress = renderProgress({ stream: output.err, tty: Boolean(output.err.isTTY) });
    const result = await copy(source, destination, { concurrency, onProgress: progress });
    const summary = summarize(shown, result, []);
    if (values.json) output.out.write(`${JSON.stringify(summary, null, 2)}\n`);
    else output.out.write(`${bold(output, describe(summary))}\n`);
    return 0;
  } catch (error) {
    return fail(error, shown, Boolean(values.json), output);
  }
}

/**
 * One clear line on stderr, `hint: …` after it when there is one (and the JSON summary on stdout
 * when asked); the exit code by the mapping every command uses (a bad URI or a missing source 2, else 1).
 */
function fail(error: unknown, shown: { source: string; destination: string }, json: boolean, output: Output): number {
  const text = oneLine(error);
  const partial = error as { result?: CopyResult; failures?: { key: string; error: Error }[] };
  if (json) {
    const failures = (partial.failures ?? []).map((failure) => ({ key: failure.key, error: oneLine(failure.error) }));
    const summary = summarize(shown, partial.result ?? { copied: [], skipped: [], bytes: 0, elapsedMs: 0 }, failures);
    output.out.write(`${JSON.stringify({ ...summary, ok: false, error: text }, null, 2)}\n`);
  }
  const { hint } = describeError(error);
  output.err.write(`${red(output, 'error')} mxn sync: ${text}\n${hint ? `hint: ${redact(hint)}\n` : ''}`);
  return exitCodeOf(error);
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return redact(
    message
      .replace(/^store: /, '')
      .replace(/^copy: /, '')
      .replace(/\s*\n\s*/g, ' ')
      .trim(),
  );
}

function summarize(shown: { source: string; destination: string }, result: CopyResult, failures: SyncSummary['failures']): SyncSummary {
  const serverSide = result.copied.filter((item) => item.method === 'server-side').length;
  return {
    ...shown,
    dryRun: false,
    ok: failures.length === 0,
    copied: result.copied.length,
    skipped: result.skipped.length,
    failed: failures.length,
    bytes: result.bytes,
    elapsedMs: result.elapsedMs,
    bytesPerSecond: result.elapsedMs > 0 ? Math.round((result.bytes * 1000) / result.elapsedMs) : 0,
    serverSide,
    streamed: result.copied.length - serverSide,
    objects: [
      ...result.copied.map((item) => ({ key: item.key, size: item.size, action: 'copied' as const, method: item.method })),
      ...result.skipped.map((key) => ({ key, action: 'skipped' as const })),
    ],
    failures,
  };
}

function describe(summary: SyncSummary): string {
  const ways = [summary.serverSide ? `${summary.serverSide} server-side` : '', summary.streamed ? `${summary.streamed} streamed` : ''];
  const how = summary.copied ? ` (${ways.filter(Boolean).join(', ')})` : '';
  const rate = summary.bytesPerSecond ? `, ${formatBytes(summary.bytesPerSecond)}/s` : '';
  return (
    `synced ${summary.destination}: ${summary.copied} copied${how}, ${summary.skipped} identical skipped, ` +
    `${formatBytes(summary.bytes)} in ${(summary.elapsedMs / 1000).toFixed(1)} s${rate}`
  );
}

async function dryRun(
  source: string,
  destination: string,
  concurrency: number,
  shown: { source: string; destination: string },
  json: boolean,
  output: Output,
): Promise<number> {
  const started = Date.now();
  const planned = await planSync(source, destination, concurrency);
  const toCopy = planned.filter((item) => item.action === 'copy');
  const bytes = toCopy.reduce((sum, item) => sum + item.size, 0);
  if (json) {
    const serverSide = toCopy.filter((item) => item.method === 'server-side').length;
    const summary: SyncSummary = {
      ...shown,
      dryRun: true,
      ok: true,
      copied: toCopy.length,
      skipped: planned.length - toCopy.length,
      failed: 0,
      bytes,
      elapsedMs: Date.now() - started,
      bytesPerSecond: 0,
      serverSide,
      streamed: toCopy.length - serverSide,
      objects: planned,
      failures: [],
    };
    output.out.write(`${JSON.stringify(summary, null, 2)}\n`);
    return 0;
  }
  for (const item of planned) {
    output.out.write(
      item.action === 'copy'
        ? `would copy ${item.key} (${formatBytes(item.size)}, ${item.method})\n`
        : `would skip ${item.key} (${formatBytes(item.size)}, identical)\n`,
    );
  }
  const counts = `dry run: ${toCopy.length} to copy (${formatBytes(bytes)}), ${planned.length - toCopy.length} identical to skip`;
  output.out.write(`${bold(output, `${counts}; nothing was copied`)}\n`);
  return 0;
}

/** What `copy(source, destination)` would do, without writing (the library's own dry run). */
async function planSync(source: string, destination: string, concurrency = 8): Promise<PlannedObject[]> {
  const result = await copy(source, destination, { concurrency, dryRun: true });
  return result.planned ?? [];
}
