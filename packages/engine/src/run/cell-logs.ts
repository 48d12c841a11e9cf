/**
 * A cell's logs where the run kept them: every backend puts the last attempt's `stdout.txt` and
 * `stderr.txt` under the cell's output prefix in the staging store (locally the task folder, on
 * Azure Batch the blobs its tasks upload). When an attempt fails and another follows, the run copies
 * that attempt's two files to `cells/<key>/attempts/<n>/` first, so `mxn logs --attempt n` can show it.
 */
import { stagingPaths } from '@mxn/core';
import { MxnError } from '@mxn/errors';
import { isNotFound, joinKey, knownSecrets, readText, redact, type Store } from '@mxn/storage';

/** How many stderr lines a failure shows in the terminal. */
const STDERR_TAIL_LINES = 20;

const LOG_FILES = ['stdout.txt', 'stderr.txt'] as const;

/** Where attempt `attempt`'s logs are kept once another attempt follows it. */
const attemptLogsPrefix = (key: string, attempt: number): string => `cells/${key}/attempts/${attempt}`;

export interface CellLogText {
  /** The attempt these logs are of, when known. */
  attempt?: number;
  /** Where they were read from. */
  location: string;
  stdout?: string;
  stderr?: string;
}

const readOptional = (store: Store, key: string) =>
  readText(store, key).catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));

/**
 * The logs of one cell: the last attempt's (`attempts` is the number of attempts its result
 * records), or attempt `attempt` when that one was kept. An attempt the run did not keep is a usage
 * error that names the attempts there are.
 */
export async function readCellLogs(
  staging: Store,
  cell: { id: string; key: string; attempts?: number },
  attempt?: number,
): Promise<CellLogText> {
  const last = attempt === undefined || attempt === cell.attempts;
  const prefix = last ? stagingPaths.cellOutput(cell.key) : attemptLogsPrefix(cell.key, attempt);
  const [stdout, stderr] = await Promise.all(LOG_FILES.map((name) => readOptional(staging, joinKey(prefix, name))));
  if (!last && stdout === undefined && stderr === undefined) {
    const kept = cell.attempts ? `its run made ${cell.attempts} attempt${cell.attempts === 1 ? '' : 's'}` : 'it has no stored result';
    throw new MxnError('Usage', `no logs of attempt ${attempt} of ${cell.id}: ${kept}`, {
      hint: cell.attempts ? `pass --attempt 1 to ${cell.attempts}, or leave it out for the last one` : 'leave --attempt out',
    });
  }
  return {
    ...(cell.attempts !== undefined || attempt !== undefined ? { attempt: attempt ?? cell.attempts } : {}),
    location: `${staging.uri}/${prefix}`,
    ...(stdout !== undefined ? { stdout } : {}),
    ...(stderr !== undefined ? { stderr } : {}),
  };
}

/** Copies the cell's current `stdout.txt` and `stderr.txt` to the folder of attempt `attempt` (missing files are skipped). */
export async function keepAttemptLogs(staging: Store, key: string, attempt: number): Promise<void> {
  const from = stagingPaths.cellOutput(key);
  await Promise.all(
    LOG_FILES.map(async (name) => {
      const text = await readOptional(staging, joinKey(from, name));
      if (text !== undefined) await staging.write(joinKey(attemptLogsPrefix(key, attempt), name), text);
    }),
  );
}

/**
 * The last `lines` lines of the cell's stderr (trailing blank lines dropped), secrets masked as in
 * the results; undefined when it has none.
 */
export async function stderrTail(staging: Store, key: string, lines = STDERR_TAIL_LINES): Promise<string | undefined> {
  const tail = tailOf(await readOptional(staging, joinKey(stagingPaths.cellOutput(key), 'stderr.txt')), lines);
  return tail === undefined ? undefined : redact(tail, knownSecrets());
}

/** The last `lines` lines of `text`, without trailing blank lines; undefined when nothing is left. */
function tailOf(text: string | undefined, lines = STDERR_TAIL_LINES): string | undefined {
  const trimmed = text?.replace(/\s+$/, '');
  return trimmed ? trimmed.split(/\r?\n/).slice(-lines).join('\n') : undefined;
}
