/**
 * A run's generation, kept in staging (`runs/<runId>/aws-batch/state.json`). Job names carry it:
 * while a run is unfinished (its runner was killed, or detached), the next `mxn run` of the same plan
 * reads the same generation and re-attaches to the jobs it names; once a run has finished (collected
 * or cancelled), the next one starts generation + 1, so `--rerun all` of the same plan runs again
 * rather than finding the finished jobs (AWS Batch jobs cannot be deleted).
 */
import { joinKey, readJson, writeJson, type Store } from '@mxn/storage';

interface RunState {
  generation: number;
  finished: boolean;
}

/** Prefix of what the backend itself keeps for a run in staging (records, cell lists, state). */
export const runFolder = (runId: string): string => joinKey('runs', runId, 'aws-batch');

const stateKey = (runId: string) => joinKey(runFolder(runId), 'state.json');

/** The generation to use: the unfinished one (re-attach: `fresh` false), or a new one. */
export async function openGeneration(store: Store, runId: string): Promise<{ generation: number; fresh: boolean }> {
  const state = await readJson<RunState>(store, stateKey(runId));
  if (state && !state.finished) return { generation: state.generation, fresh: false };
  const generation = (state?.generation ?? 0) + 1;
  await writeJson(store, stateKey(runId), { generation, finished: false } satisfies RunState);
  return { generation, fresh: true };
}

/** Marks the generation finished: the next run of the same plan submits anew. */
export async function finishGeneration(store: Store, runId: string, generation: number): Promise<void> {
  await writeJson(store, stateKey(runId), { generation, finished: true } satisfies RunState);
}
