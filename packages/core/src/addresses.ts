/**
 * Every key and every address mxn uses, in one place: the content keys of a dataset split, a cell,
 * a run and an aggregate; where the cell cache keeps results; where a run's files live in the
 * staging store; and which stores a run stages in and caches to. Nothing else builds these.
 */
import path from 'node:path';
import type { Backend } from './backend.js';
import { PROTOCOL_VERSION } from './backend.js';
import { hashValue } from './plan/hash.js';
import type { Runtime } from './schema/experiment.js';

/** What a dataset's staged split depends on: the source files' fingerprints, the target and the split. */
export interface InputKeyParts {
  train: unknown;
  test: unknown;
  target: string;
  split: unknown;
}

/** Key of a dataset's staged split; every cell on that dataset shares it. A given test set makes the split setting irrelevant. */
export function inputKey(parts: InputKeyParts): string {
  return hashValue({
    protocol: PROTOCOL_VERSION,
    train: parts.train,
    test: parts.test,
    target: parts.target,
    split: parts.test ? null : parts.split,
  });
}

/** What a cell's result depends on; the same parts give the same key, and so the cached result. */
export interface CellKeyParts {
  inputKey: string;
  /** The image's digest, else its reference, else `context:<build-context hash>`. */
  image: string;
  runtime: Runtime;
  command: string[];
  params: Record<string, unknown>;
  evaluation: unknown;
}

export function cellKey(parts: CellKeyParts): string {
  return hashValue({
    protocol: PROTOCOL_VERSION,
    input: parts.inputKey,
    image: parts.image,
    runtime: parts.runtime,
    command: parts.command,
    params: parts.params,
    evaluation: parts.evaluation,
  });
}

/**
 * A run's id: readable (the experiment's name) and deterministic from the keys of its cells, so a
 * rerun re-attaches to the same cloud run.
 */
export function runIdOf(experiment: string, parts: { cellKeys: string[]; aggregate: unknown; runtime: Runtime }): string {
  const hash = hashValue({ keys: [...parts.cellKeys].sort(), aggregate: parts.aggregate, runtime: parts.runtime });
  return `${experiment}-${hash.slice(0, 12)}`;
}

/** Key of an aggregate's result: the aggregate step and exactly which cells, with which outcomes, it ran over. */
export function aggregateKey(aggregate: unknown, cells: Array<{ key: string; outcome: string | undefined }>): string {
  return hashValue({ aggregate, cells: cells.map((cell) => [cell.key, cell.outcome]) });
}

/** Where the cell cache keeps results, in the cache store. */
export const cachePaths = {
  /** Prefix of every stored cell result. */
  cellsPrefix: 'cache/',
  /** One JSON result per cell key. */
  cell: (key: string) => `cache/${key}.json`,
  /** The cell key a stored result's path names, or `undefined` for anything else under the prefix. */
  cellKeyOf: (storedPath: string) =>
    storedPath.startsWith('cache/') && storedPath.endsWith('.json') ? storedPath.slice('cache/'.length, -'.json'.length) : undefined,
  /** One JSON result per aggregate key. */
  aggregate: (key: string) => `aggregates/${key}.json`,
};

/** Where a run's files live in the staging store. Tasks see only their own prefixes. */
export const stagingPaths = {
  /** A dataset split's task inputs: train.parquet (with target) and test.parquet (features only). */
  inputs: (key: string) => `inputs/${key}`,
  /** The held-out labels of a split: read by the harness, never given to a task. */
  labels: (key: string) => `labels/${key}`,
  /** A cell's outputs, by content key: predictions, metrics.json, artifacts, stdout.txt, stderr.txt. */
  cellOutput: (key: string) => `cells/${key}/output`,
  aggregateInput: (runId: string) => `runs/${runId}/aggregate/input`,
  aggregateOutput: (runId: string) => `runs/${runId}/aggregate/output`,
};

/** Where `outputs:` publishing puts a run's files, under the experiment's outputs store (beside results.json, summary.md, report.html). */
export const outputPaths = {
  /** A cell's outputs, by readable cell id. */
  cell: (cellId: string) => `cells/${cellId}`,
  aggregate: 'aggregate',
};

/** Where mxn keeps things in the project folder (paths relative to the project root). */
export const projectPaths = {
  /** A run's results.json, summary.md and report.html (committed by the GitHub loop). */
  results: (experiment: string) => `results/${experiment}`,
  /** This machine's state: the default staging store and cache, venvs, image build records. */
  state: '.mxn',
};

/** Which stores a run uses; the engine opens them, nothing else decides. */
export interface StoreAddresses {
  /** Staged inputs, task outputs and (unless `cache` differs) the cell cache. */
  staging: string;
  /** The cell cache. */
  cache: string;
}

/**
 * The staging and cache rule. Staging: the `--staging` override, else `compute.staging`, else
 * `MXN_STAGING`, else the backend's own default (cloud backends need a store their tasks can
 * reach), else `.mxn` under the project root. Cache: `compute.cache`, else the staging store.
 * Plans and runs both take their stores from here, so a plan's cached marks are what the run does.
 */
export function storeAddresses(
  experiment: { root: string; spec: { compute: { staging?: string | undefined; cache?: string | undefined } } },
  options: { staging?: string | undefined; backend?: Pick<Backend, 'defaultStagingUri'> | undefined; env?: NodeJS.ProcessEnv } = {},
): StoreAddresses {
  const env = options.env ?? process.env;
  const { compute } = experiment.spec;
  const staging =
    options.staging ||
    compute.staging ||
    env.MXN_STAGING ||
    options.backend?.defaultStagingUri?.() ||
    path.join(experiment.root, projectPaths.state);
  return { staging, cache: compute.cache ?? staging };
}
