/**
 * Submission: the cells as one array job per image and up to `maxArraySize` cells (a plain job for a
 * group of one), each with its records object in staging; then the aggregate, one plain job that
 * `dependsOn` every cell job (through small gate jobs when there are more than 20, the most one job
 * may depend on). Jobs an earlier process of the same generation submitted are found by name and
 * reused, so nothing is submitted twice.
 */
import {
  ListJobsCommand,
  SubmitJobCommand,
  type BatchClient,
  type JobSummary,
  type KeyValuePair,
  type SubmitJobCommandInput,
} from '@aws-sdk/client-batch';
import { runPool } from '@mxn/async';
import { buildManifest, exitCodeRetries, type RunSpec, type TaskSpec } from '@mxn/core';
import { joinKey, listAll, readJson, writeJson, type Store } from '@mxn/storage';
import { bundleKey } from './bundle.js';
import { cellGroup, generationPrefix, jobName } from './names.js';
import { aggregateRecord, cellRecord, recordsObject, type InputFile } from './records.js';
import { runFolder } from './run-state.js';

/** Most jobs one job may depend on (AWS Batch's limit). */
const MAX_DEPENDS_ON = 20;

/** One cell job: an array job (two or more cells) or a plain job (one). */
export interface CellGroup {
  group: string;
  jobName: string;
  image: string;
  /** The cells in array-index order (a re-attached job may hold cells this run no longer runs: `undefined`). */
  cells: Array<TaskSpec | undefined>;
  jobId?: string;
}

export interface SubmitContext {
  client: BatchClient;
  store: Store;
  spec: RunSpec;
  queue: string;
  generation: number;
  /** Job definition ARN per image. */
  definitions: Map<string, string>;
  /** Image per task. */
  images: Map<TaskSpec, string>;
  /** Lifetime of every presigned URL, in seconds. */
  urlLifetime: number;
  signal?: AbortSignal;
}

/** The cells grouped by image (in plan order), each group cut into chunks of at most `maxArraySize`. */
export function planGroups(
  spec: RunSpec,
  tasks: TaskSpec[],
  images: Map<TaskSpec, string>,
  generation: number,
  maxArraySize: number,
): CellGroup[] {
  const byImage = new Map<string, TaskSpec[]>();
  for (const task of tasks) {
    const image = images.get(task)!;
    const cells = byImage.get(image);
    if (cells) cells.push(task);
    else byImage.set(image, [task]);
  }
  const groups: CellGroup[] = [];
  for (const [image, cells] of byImage) {
    for (let start = 0, chunk = 0; start < cells.length; start += maxArraySize, chunk++) {
      const slice = cells.slice(start, start + maxArraySize);
      const group = cellGroup(
        image,
        chunk,
        slice.map((cell) => cell.id),
      );
      groups.push({ group, jobName: jobName(spec.runId, generation, group), image, cells: slice });
    }
  }
  return groups;
}

/** The generation's jobs an earlier process submitted, by name (the newest of each name): one ListJobs, paged. */
export async function findJobs(client: BatchClient, queue: string, runId: string, generation: number): Promise<Map<string, JobSummary>> {
  const found = new Map<string, JobSummary>();
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListJobsCommand({
        jobQueue: queue,
        filters: [{ name: 'JOB_NAME', values: [`${generationPrefix(runId, generation)}*`] }],
        maxResults: 1000,
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    for (const job of page.jobSummaryList ?? []) {
      const known = found.get(job.jobName ?? '');
      if (job.jobName && (!known || (job.createdAt ?? 0) > (known.createdAt ?? 0))) found.set(job.jobName, job);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return found;
}

const cellsKey = (context: Pick<SubmitContext, 'spec' | 'generation'>, group: string) =>
  joinKey(runFolder(context.spec.runId), `g${context.generation}`, `${group}.cells.json`);

/**
 * The cell jobs an earlier process of this generation submitted, with the cells of this run each holds
 * (read from the cell list written beside its records: child index → cell id), and the cells no job holds.
 */
export async function attachedGroups(
  context: SubmitContext,
  existing: Map<string, JobSummary>,
): Promise<{ groups: CellGroup[]; rest: TaskSpec[] }> {
  const byId = new Map(context.spec.tasks.map((task) => [task.id, task]));
  const prefix = generationPrefix(context.spec.runId, context.generation);
  const groups: CellGroup[] = [];
  for (const [name, job] of existing) {
    const group = name.slice(prefix.length);
    if (!name.startsWith(prefix) || !/^c[0-9a-f]{10}-/.test(group) || !job.jobId) continue;
    const ids = await readJson<string[]>(context.store, cellsKey(context, group));
    if (!ids) continue;
    const cells = ids.map((id) => byId.get(id));
    for (const cell of cells) if (cell) byId.delete(cell.id);
    if (cells.some(Boolean)) groups.push({ group, jobName: name, image: '', cells, jobId: job.jobId });
  }
  return { groups, rest: context.spec.tasks.filter((task) => byId.has(task.id)) };
}

/** Signs a GET for every object under each input prefix once (cells of one dataset share their inputs). */
function inputSigner(context: SubmitContext): (prefix: string) => Promise<InputFile[]> {
  const signed = new Map<string, Promise<InputFile[]>>();
  const sign = async (prefix: string) => {
    const below = `${prefix.replace(/\/$/, '')}/`;
    const objects = await listAll(context.store, below);
    return Promise.all(objects.map(async (object) => ({ url: await signGet(context, object.key), path: object.key.slice(below.length) })));
  };
  return (prefix) => {
    if (!signed.has(prefix)) signed.set(prefix, sign(prefix));
    return signed.get(prefix)!;
  };
}

const signGet = (context: SubmitContext, key: string) => context.store.signedUrl!(key, { access: 'read', expiresIn: context.urlLifetime });
const signPut = (context: SubmitContext, key: string) => context.store.signedUrl!(key, { access: 'write', expiresIn: context.urlLifetime });

/** Writes a job's records object and returns the overrides' environment that points its tasks at it. */
async function writeRecords(context: SubmitContext, name: string, records: string[]): Promise<KeyValuePair[]> {
  const { text, width } = recordsObject(records);
  const key = joinKey(runFolder(context.spec.runId), `g${context.generation}`, `${name}.records`);
  await context.store.write(key, text, { contentType: 'text/plain' });
  const { limits } = context.spec;
  return [
    { name: 'MXN_RECORDS_URL', value: await signGet(context, key) },
    { name: 'MXN_RECORD_BYTES', value: String(width) },
    { name: 'MXN_TIMEOUT_S', value: String(limits.timeoutMs > 0 ? limits.timeoutMs / 1000 : 0) },
    { name: 'MXN_RETRIES', value: String(limits.retries) },
    { name: 'MXN_RETRY_MODEL', value: limits.retryModelFailures ? '1' : '0' },
  ];
}

/** SubmitJob fields every job of the run shares: the queue, Batch's own retries (platform failures only) and its timeout backstop. */
function jobShape(
  context: SubmitContext,
): Pick<SubmitJobCommandInput, 'jobQueue' | 'retryStrategy' | 'timeout' | 'tags' | 'propagateTags'> {
  const { limits } = context.spec;
  // The wrapper stops each attempt at the experiment's timeout; Batch's is a backstop over all of them plus the uploads.
  const backstop = limits.timeoutMs > 0 ? Math.max(60, Math.ceil((limits.timeoutMs * (limits.retries + 1)) / 1000) + 600) : undefined;
  const platformRetries = Math.max(limits.retries, exitCodeRetries(limits));
  return {
    jobQueue: context.queue,
    ...(platformRetries > 0 ? { retryStrategy: { attempts: Math.min(10, platformRetries + 1) } } : {}),
    ...(backstop ? { timeout: { attemptDurationSeconds: backstop } } : {}),
    tags: { 'mxn:run': context.spec.runId.slice(0, 256) },
    propagateTags: true,
  };
}

/**
 * Submits every group that has no job yet; sets `jobId` on all of them. Every group's records are
 * written to staging first, then the jobs are submitted (in parallel), so nothing runs before its
 * records exist and no staging write competes with running jobs.
 */
export async function submitCellGroups(context: SubmitContext, groups: CellGroup[], existing: Map<string, JobSummary>): Promise<number> {
  const signInputs = inputSigner(context);
  const missing: Array<{ group: CellGroup; environment: KeyValuePair[] }> = [];
  for (const group of groups) {
    const found = existing.get(group.jobName);
    if (found?.jobId) {
      group.jobId = found.jobId;
      continue;
    }
    const cells = group.cells as TaskSpec[];
    const records = await Promise.all(
      cells.map(async (cell) => cellRecord(cell, await signInputs(cell.inputPrefix), await signPut(context, bundleKey(cell.outputPrefix)))),
    );
    await writeJson(
      context.store,
      cellsKey(context, group.group),
      cells.map((cell) => cell.id),
    );
    missing.push({ group, environment: await writeRecords(context, group.group, records) });
  }
  if (context.signal?.aborted) return 0;
  await runPool(missing, 8, async ({ group, environment }) => {
    const result = await context.client.send(
      new SubmitJobCommand({
        jobName: group.jobName,
        jobDefinition: context.definitions.get(group.image)!,
        ...jobShape(context),
        ...(group.cells.length > 1 ? { arrayProperties: { size: group.cells.length } } : {}),
        containerOverrides: { environment },
      }),
    );
    group.jobId = result.jobId!;
  });
  return missing.length;
}

/** The manifest the aggregate sees, with every cell this run runs `pending` (its wrapper resolves them from the bundles). */
function pendingManifest(spec: RunSpec): string {
  const manifest = buildManifest(spec, []);
  const ran = new Set(spec.tasks.map((task) => task.id));
  const cells = manifest.cells.map((cell) => (ran.has(cell.id) ? { ...cell, status: 'pending' } : cell));
  return `${JSON.stringify({ ...manifest, cells }, null, 2)}\n`;
}

/**
 * The aggregate's inputs: manifest.json in its input prefix, and its cell list (`id`, `bundle` or
 * `file`, presigned GET, path): one line per cell this run runs (its bundle, signed before it exists)
 * and one per stored file of each cached cell.
 */
export async function aggregateEnvironment(context: SubmitContext, aggregate: TaskSpec): Promise<KeyValuePair[]> {
  const { spec, store } = context;
  const manifestKey = joinKey(aggregate.inputPrefix, 'manifest.json');
  await store.write(manifestKey, pendingManifest(spec), { contentType: 'application/json' });
  const lines: string[] = [];
  for (const task of spec.tasks) lines.push(`${task.id}\tbundle\t${await signGet(context, bundleKey(task.outputPrefix))}\t-`);
  for (const cell of spec.cached ?? []) {
    const below = `${cell.outputPrefix.replace(/\/$/, '')}/`;
    for (const object of await listAll(store, below)) {
      lines.push(`${cell.id}\tfile\t${await signGet(context, object.key)}\t${object.key.slice(below.length)}`);
    }
  }
  const listKey = joinKey(runFolder(spec.runId), `g${context.generation}`, 'aggregate.cells.tsv');
  await store.write(listKey, `${lines.join('\n')}\n`, { contentType: 'text/tab-separated-values' });
  const record = aggregateRecord(
    aggregate,
    await signGet(context, manifestKey),
    await signGet(context, listKey),
    await signPut(context, bundleKey(aggregate.outputPrefix)),
  );
  return writeRecords(context, 'aggregate', [record]);
}

/** The name of the aggregate's job of a generation. */
export const aggregateJobName = (context: Pick<SubmitContext, 'spec' | 'generation'>): string =>
  jobName(context.spec.runId, context.generation, 'aggregate');

/** The name of the aggregate's rescue job of a generation (see `submitRescue`). */
export const rescueJobName = (context: Pick<SubmitContext, 'spec' | 'generation'>): string =>
  jobName(context.spec.runId, context.generation, 'aggregate-r');

/**
 * The aggregate's job, submitted unless it exists, with the `environment` of `aggregateEnvironment`:
 * it depends on every cell job (through gates past 20).
 */
export async function submitAggregate(
  context: SubmitContext,
  aggregate: TaskSpec,
  groups: CellGroup[],
  existing: Map<string, JobSummary>,
  environment: KeyValuePair[],
): Promise<{ jobId: string; submitted: number }> {
  const name = aggregateJobName(context);
  const found = existing.get(name);
  if (found?.jobId) return { jobId: found.jobId, submitted: 0 };
  const definition = context.definitions.get(context.images.get(aggregate)!)!;
  let submitted = 0;
  let ids = groups.map((group) => group.jobId!).filter(Boolean);
  for (let level = 0; ids.length > MAX_DEPENDS_ON; level++) {
    const chunks: string[][] = [];
    for (let start = 0; start < ids.length; start += MAX_DEPENDS_ON) chunks.push(ids.slice(start, start + MAX_DEPENDS_ON));
    ids = await Promise.all(
      chunks.map(async (chunk, index) => {
        const gate = jobName(context.spec.runId, context.generation, `gate-${level}-${index}`);
        const known = existing.get(gate)?.jobId;
        if (known) return known;
        submitted++;
        const result = await context.client.send(
          new SubmitJobCommand({
            jobName: gate,
            jobQueue: context.queue,
            jobDefinition: definition,
            dependsOn: chunk.map((jobId) => ({ jobId })),
            containerOverrides: { command: ['/bin/sh', '-c', 'exit 0'] },
          }),
        );
        return result.jobId!;
      }),
    );
  }
  const result = await context.client.send(
    new SubmitJobCommand({
      jobName: name,
      jobDefinition: definition,
      ...jobShape(context),
      ...(ids.length > 0 ? { dependsOn: ids.map((jobId) => ({ jobId })) } : {}),
      containerOverrides: { environment },
    }),
  );
  return { jobId: result.jobId!, submitted: submitted + 1 };
}

/**
 * Submits the aggregate again without dependencies, with the same records, after Batch failed it for
 * a dependency (a cell job failed on the platform, so its wrapper never exited 0): the fan-in still runs.
 */
export async function submitRescue(
  context: Pick<SubmitContext, 'client' | 'queue' | 'spec' | 'generation'>,
  failed: { jobDefinition?: string; environment?: KeyValuePair[] },
  shape: Pick<SubmitJobCommandInput, 'retryStrategy' | 'timeout'>,
): Promise<string> {
  const result = await context.client.send(
    new SubmitJobCommand({
      jobName: rescueJobName(context),
      jobQueue: context.queue,
      jobDefinition: failed.jobDefinition!,
      ...shape,
      containerOverrides: { environment: (failed.environment ?? []).filter((pair) => pair.name?.startsWith('MXN_')) },
    }),
  );
  return result.jobId!;
}
