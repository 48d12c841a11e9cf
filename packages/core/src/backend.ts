/**
 * The Backend contract: an executor that runs a run's tasks (one per cell), then the
 * aggregate task once every cell task has finished — whatever their outcome — and
 * reports state changes as events. Every backend (local, azure-batch, aws-batch)
 * implements this one interface and passes the shared contract suite. A backend's own settings
 * (its keys under `compute`, validated by the settings schema it exports; see `experimentSchemaFor`)
 * reach it through its factory, when it is created, not through the RunSpec.
 */

import type { AggregateManifest } from '@mxn/model-kit';
import type { Runtime } from './schema/experiment.js';

/** Version of the task protocol; part of every cell key. */
export const PROTOCOL_VERSION = 1;

/** One unit of work: a cell's training run, or the aggregate step. */
export interface TaskSpec {
  /** Cell id (readable, stable, path-safe) or `aggregate`. */
  id: string;
  kind: 'cell' | 'aggregate';
  /** Model name, and dataset name for cells (`''` for the aggregate). */
  model: string;
  dataset: string;
  /** Command and arguments, run in the image's working directory (locally: the build folder). */
  command: string[];
  /** Absolute path of the model's build folder, when it has one (the local backend's working directory). */
  buildDir?: string;
  /** Container image reference, when known (prebuilt `image:` or the built tag). */
  image?: string;
  /**
   * Extra task-protocol variables (MXN_PARAMS, MXN_TARGET, MXN_CELL_ID, MXN_MODEL, MXN_DATASET,
   * MXN_TASK). MXN_INPUT_DIR/MXN_OUTPUT_DIR are set by the backend.
   */
  env: Record<string, string>;
  /**
   * Where the task's inputs are, as a key prefix in the run's staging store: the files under it
   * become the task's MXN_INPUT_DIR (read-only to the task).
   */
  inputPrefix: string;
  /** Key prefix in the staging store where the task's outputs (and its `stdout.txt` / `stderr.txt`) go. */
  outputPrefix: string;
}

export interface ComputeLimits {
  /** Tasks running at once. */
  concurrency: number;
  /** Extra attempts after a failed one; see `shouldRetry` for which failures spend them. */
  retries: number;
  /** Spend `retries` on a model's own non-zero exit too (default: only on timeouts and platform failures). */
  retryModelFailures?: boolean;
  /** Wall-clock limit of one attempt, in milliseconds. */
  timeoutMs: number;
}

export interface RunSpec {
  /** Deterministic id from the experiment name and its plan; a second submit with the same id re-attaches. */
  runId: string;
  experiment: string;
  /** URI of the staging store that holds every task's input and output prefixes. */
  stagingUri: string;
  tasks: TaskSpec[];
  /**
   * Runs once after every task has finished, failed ones too; its input folder holds
   * `manifest.json` and `cells/<id>/…` (each cell's outputs).
   */
  aggregate?: TaskSpec;
  /**
   * Cells whose results came from the cache (`failed` for a stored failure): not run, but the
   * aggregate sees them and their outputs too.
   */
  cached?: Array<Pick<TaskSpec, 'id' | 'model' | 'dataset' | 'outputPrefix'> & { status?: 'cached' | 'failed' }>;
  /** Target column name, recorded in the aggregate's manifest. */
  target: string;
  limits: ComputeLimits;
}

export type TaskState = 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'cancelled';

/** A state change of one task. Backends emit one event per change, in order, for every task. */
export interface TaskEvent {
  taskId: string;
  kind: TaskSpec['kind'];
  state: TaskState;
  /** 1-based attempt number. */
  attempt: number;
  at: Date;
  exitCode?: number;
  /** Short reason for `failed`/`retrying`/`cancelled`, e.g. `exit code 3`, `timed out after 30m`. */
  message?: string;
  /** On `failed`: the platform failed (an image pull, a lost node, an upload), not the model. */
  infrastructure?: boolean;
}

export interface TaskOutcome {
  taskId: string;
  kind: TaskSpec['kind'];
  status: 'succeeded' | 'failed' | 'cancelled';
  attempts: number;
  startedAt?: Date;
  finishedAt?: Date;
  durationMs: number;
  exitCode?: number;
  /** Why it failed: exit code, timeout, backend failure info, and the tail of stderr. */
  error?: string;
  /**
   * The platform failed, not the model: an image that could not be pulled, a node lost or
   * preempted, outputs that could not be uploaded. Such a failure says nothing about the model, so
   * it is not kept as the cell's result: the next run runs the cell again without `--rerun failed`.
   */
  infrastructure?: boolean;
}

export interface RunOutcome {
  runId: string;
  tasks: TaskOutcome[];
  aggregate?: TaskOutcome;
  /** True when the run was cancelled before every task finished. */
  cancelled: boolean;
}

export interface RunOptions {
  onEvent?: (event: TaskEvent) => void;
  /** Aborting cancels the run: running tasks are stopped and reported `cancelled`. */
  signal?: AbortSignal;
}

export interface BackendCapabilities {
  /** The backend can re-attach to a run started by an earlier process (cloud backends). */
  reattach: boolean;
  /** Tasks run in container images, so `image` must be set. */
  containers: boolean;
}

export interface Backend {
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  /**
   * How cells run: `container` (the model's image; every cloud backend, and the local backend with
   * an engine) or `process` (the local backend's host processes). Part of every cell key, so a
   * process result is never served as a container result.
   */
  readonly runtime: Runtime;
  /**
   * The content digest of a prebuilt image reference (pulled once when needed), so cell keys follow
   * the image's content rather than a tag that can move. Backends without one key by the reference.
   */
  resolveImage?(ref: string): Promise<string>;
  /** Runs (or re-attaches to) `spec` and resolves when every task and the aggregate have finished or the run was cancelled. */
  run(spec: RunSpec, options?: RunOptions): Promise<RunOutcome>;
  /** Cancels a run started earlier, by id (for backends whose runs outlive the process). */
  cancel?(runId: string): Promise<void>;
  /** Staging store to use when the experiment names none (cloud backends need one their tasks can reach). */
  defaultStagingUri?(): string | undefined;
  /**
   * What this backend will run on, as lines for the plan and the run header: the pool, its node
   * image and how long it is supported, the VM size, and warnings (an image near its end of life).
   */
  describe?(): Promise<string[]>;
}

/** The manifest the aggregate step sees; every backend writes it with this function so they agree. */
export function buildManifest(spec: RunSpec, outcomes: TaskOutcome[]): AggregateManifest {
  const status = new Map(outcomes.map((outcome) => [outcome.taskId, outcome.status]));
  const ran = spec.tasks.map((task) => ({
    id: task.id,
    model: task.model,
    dataset: task.dataset,
    status: status.get(task.id) ?? 'cancelled',
  }));
  const cached = (spec.cached ?? []).map((cell) => ({
    id: cell.id,
    model: cell.model,
    dataset: cell.dataset,
    status: cell.status ?? ('cached' as const),
  }));
  return {
    version: 1,
    experiment: spec.experiment,
    runId: spec.runId,
    target: spec.target,
    cells: [...ran, ...cached]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((cell) => ({ ...cell, dir: `cells/${cell.id}` })),
  };
}
