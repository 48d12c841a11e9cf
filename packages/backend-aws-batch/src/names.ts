/**
 * Deterministic names. Jobs: `mxn-<run>-g<generation>-<group>`, so a second `mxn run` of the same plan
 * finds the jobs an earlier process submitted (ListJobs by name) instead of submitting again; the
 * generation moves on once a run has finished (see `run-state.ts`). Job definitions: named by the hash
 * of everything in them, so one is registered once and found again.
 */
import { createHash } from 'node:crypto';

/** AWS Batch names: letters, digits, `-`, `_`, at most 128 characters, starting with a letter or digit. */
const MAX_NAME = 128;
const RUN_PART = 60;

const hash = (value: string, length = 12) => createHash('sha256').update(value).digest('hex').slice(0, length);

/** The part of every job name of a run that names the run: `mxn-<runId>`, cleaned, hashed down when long. */
export function runTag(runId: string): string {
  const clean = `mxn-${runId}`.replace(/[^a-zA-Z0-9_-]/g, '-');
  return clean.length <= RUN_PART ? clean : `${clean.slice(0, RUN_PART - 13)}-${hash(runId)}`;
}

/** The name prefix of every job of one generation of a run. */
export const generationPrefix = (runId: string, generation: number): string => `${runTag(runId)}-g${generation}-`;

/** The name of a job of a run: `group` is `c<hash>-<chunk>` for cells, `aggregate`, `gate-<n>` or `aggregate-r`. */
export function jobName(runId: string, generation: number, group: string): string {
  const name = `${generationPrefix(runId, generation)}${group}`;
  if (name.length > MAX_NAME) throw new Error(`job name ${name} is longer than ${MAX_NAME} characters`);
  return name;
}

/** The group name of a cell job: the image, the chunk, and which cells (a re-attached run with fewer cells never takes another's job). */
export const cellGroup = (image: string, chunk: number, cellIds: string[]): string =>
  `c${hash(image, 10)}-${chunk}-${hash(cellIds.join('\n'), 8)}`;

/** A job definition's name: `mxn-<hash of its content>` (the image, resources, roles, platform and wrapper). */
export const definitionName = (content: unknown): string => `mxn-${hash(JSON.stringify(content), 20)}`;
