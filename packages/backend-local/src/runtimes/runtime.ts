/**
 * The seam between the local backend's scheduling (attempts, retries, events, folders) and how one
 * attempt is started: a `TaskRuntime` prepares a task once (its image, or its scratch folder and
 * Python environment) and then runs attempts of it.
 */
import type { Runtime, TaskSpec } from '@mxn/core';
import type { AttemptResult } from '../spawn-attempt.js';

/** One attempt's inputs: the task's folders on this machine and the task-protocol variables. */
export interface AttemptIO {
  /** Absolute folders on this machine: read-only inputs, and the (empty) output folder. */
  inputDir: string;
  outputDir: string;
  /** Files that receive the attempt's stdout and stderr. */
  stdoutFile: string;
  stderrFile: string;
  /** The task's protocol variables (MXN_PARAMS, MXN_CELL_ID, …) but not MXN_INPUT_DIR / MXN_OUTPUT_DIR, which the runtime sets. */
  env: Record<string, string>;
  attempt: number;
  timeoutMs: number;
  killGraceMs: number;
  signal: AbortSignal;
}

/** A prepared task: runs its attempts. */
export interface PreparedTask {
  /** Where the task runs, for messages (`in models/ridge`, `in image mxn/ridge:3f9c…`). */
  readonly where: string;
  attempt(io: AttemptIO): Promise<AttemptResult>;
}

export interface TaskRuntime {
  readonly name: Runtime;
  /**
   * Once per task, before its first attempt. Rejects with a one-line Error when the task cannot
   * start at all (its image does not build, its environment cannot be made): the task fails
   * without retries, and only the tasks that need that image or environment fail.
   */
  prepare(task: TaskSpec, signal: AbortSignal): Promise<PreparedTask>;
  /** Once the run is over: removes what the runtime made for all its tasks. */
  dispose?(): Promise<void>;
}
