/**
 * Every key and every address mxn uses, in one place: the content keys of a dataset split, a cell,
 * a run and an aggregate; where the cell cache keeps results; where a run's files live in the
 * staging store; and which stores a run stages in and caches to (the staging store, which task tokens
 * reach, and the cache store, which only the harness writes). Nothing else builds these.
 */
import path from 'node:path';
import { MxnError } from '@mxn/errors';
import { parseBlobUri } from '@mxn/storage';
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
  /** The model's `env:` (it can change results); none or an empty one keeps the key of a model without it. */
  env?: Record<string, string>;
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
    ...(parts.env && Object.keys(parts.env).length > 0 ? { env: parts.env } : {}),
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

/**
 * What the harness keeps in the cache store, the store no task token covers: cached results, the
 * digests it recorded of them, and the held-out labels.
 */
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
  /** The digest the harness recorded of what it stored at `storedPath` (a cell's or an aggregate's result). */
  digest: (storedPath: string) => `digests/${storedPath}.sha256`,
  /** The held-out labels of a split: written and read by the harness, never given to a task. */
  labels: (key: string) => `labels/${key}`,
  /** How many rows each side of a staged split has (`{ train, test }`), for the plan and the summary. */
  splitRows: (key: string) => `labels/${key}/rows.json`,
};

/**
 * Where a run's files live in the staging store. Tasks are given URLs for their own prefixes, but on
 * Azure Batch a task's output token covers the whole container: nothing the harness relies on (labels,
 * the cache) lives here.
 */
export const stagingPaths = {
  /** A dataset split's task inputs: train.parquet (with target) and test.parquet (features only). */
  inputs: (key: string) => `inputs/${key}`,
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
  /** Staged task inputs and task outputs: what task tokens reach. */
  staging: string;
  /**
   * The harness's own store: the cell cache, the digests of what it cached, and the held-out labels.
   * Never inside a task token's reach: on Azure Blob it is another container than the staging store's.
   */
  cache: string;
}

/** Suffix of the container that holds the cache and the labels beside an Azure Blob staging container. */
const PRIVATE_CONTAINER_SUFFIX = '-private';

/**
 * The staging and cache rule. Staging: the `--staging` override, else `compute.staging`, else
 * `MXN_STAGING`, else the backend's own default (cloud backends need a store their tasks can
 * reach), else `.mxn` under the project root. Cache (with the labels): `compute.cache`, else, for
 * an Azure Blob staging store `az://account/<container>/prefix`, `az://account/<container>-private/prefix`
 * (a Blob SAS cannot be narrowed to a prefix, and Azure Batch output tokens cover the staging
 * container), else the staging store itself (a local folder, or S3, whose task URLs are per object).
 * A cache inside the staging store's Blob container is refused.
 * Plans and runs both take their stores from here, so a plan's cached marks are what the run does.
 */
export function storeAddresses(
  experiment: { root: string; file?: string; spec: { compute: { staging?: string | undefined; cache?: string | undefined } } },
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
  const where = experiment.file ? `${experiment.file}: ` : '';
  const stagingBlob = blobLocation(staging);
  if (!compute.cache) return { staging, cache: stagingBlob ? privateSibling(staging, stagingBlob, where) : staging };
  const cacheBlob = blobLocation(compute.cache);
  if (stagingBlob && cacheBlob && sameContainer(stagingBlob, cacheBlob)) {
    throw new MxnError(
      'Config',
      `${where}compute.cache ${compute.cache.split('?')[0]} is in the staging container ${stagingBlob.container}, ` +
        'whose every object a Batch task output token may overwrite',
      { hint: `name another container in compute.cache, or leave it out (the default: ${privateName(stagingBlob)})` },
    );
  }
  return { staging, cache: compute.cache };
}

type BlobParts = ReturnType<typeof parseBlobUri>;

function blobLocation(uri: string): BlobParts | undefined {
  if (!/^az:\/\//i.test(uri) && !/^https:\/\/[^/]+\.blob\./i.test(uri)) return undefined;
  try {
    return parseBlobUri(uri);
  } catch {
    return undefined;
  }
}

const sameContainer = (a: BlobParts, b: BlobParts) =>
  a.account.toLowerCase() === b.account.toLowerCase() && a.container.toLowerCase() === b.container.toLowerCase();

const privateName = (blob: BlobParts) => `${blob.container}${PRIVATE_CONTAINER_SUFFIX}`;

/** `az://account/<container>-private/<prefix>` beside a Blob staging store. */
function privateSibling(staging: string, blob: BlobParts, where: string): string {
  const container = privateName(blob);
  const problem =
    container.length > 63
      ? `its container name ${blob.container} is too long to add ${PRIVATE_CONTAINER_SUFFIX} (Blob allows 63 characters)`
      : blob.sas
        ? 'its URL carries a SAS for that container only'
        : undefined;
  if (problem) {
    throw new MxnError('Config', `${where}no cache store beside the staging store ${staging.split('?')[0]}: ${problem}`, {
      hint: 'set compute.cache to a container no task writes to, e.g. az://account/mxn-private/cache',
    });
  }
  const prefix = blob.prefix ? `/${blob.prefix.split('/').map(encodeURIComponent).join('/')}` : '';
  return blob.endpoint ? `${blob.endpoint}/${container}${prefix}` : `az://${blob.account}/${container}${prefix}`;
}
