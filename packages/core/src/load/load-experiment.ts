/**
 * Loads and validates an experiment file, reporting every problem at once as
 * `file:line:col: message` (an ExperimentError) before anything runs.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { KNOWN_METRICS } from '@mxn/data';
import { ExperimentError, type ExperimentIssue } from '../errors.js';
import { parseDuration } from '../duration.js';
import {
  datasetSchema,
  evaluationSchema,
  experimentSchema,
  TASKS,
  type DatasetSpec,
  type ExperimentSchema,
  type ExperimentSpec,
  type SplitConfig,
} from '../schema/experiment.js';
import { checkDatasets, type ResolvedDataset } from './check-datasets.js';
import { didYouMean } from './did-you-mean.js';
import { envNameProblem } from './env-names.js';
import { paramValueProblem } from './param-values.js';
import { parseExperimentText, readExperimentText } from './experiment-text.js';
import { locate } from './locate.js';
import { projectPathProblem, resolveInProject } from './project-path.js';
import { describe, issuesFromZod, plainZodMessage } from './zod-issues.js';
import { DEFAULT_MAX_CELLS, expandVariants, variantCount } from '../plan/variants.js';

export interface LoadedExperiment {
  /** Absolute path of the experiment file. */
  file: string;
  /** Folder that relative paths in the file are resolved against. */
  root: string;
  spec: ExperimentSpec;
  /** Datasets with the parquet objects they resolve to (empty when `checkData` was false). */
  datasets: ResolvedDataset[];
  /**
   * With `keepDatasetProblems`: the problems of datasets' data alone (too few rows for the split), each
   * naming its dataset. A plan shows them; a run fails those datasets' cells and runs the others.
   */
  datasetProblems?: ExperimentIssue[];
  /** A problem at a place in the file (`['compute', 'staging']`), as `file:line:col`, for checks made after loading. */
  issueAt?: (where: readonly (string | number)[], message: string) => ExperimentIssue;
}

export interface LoadOptions {
  /**
   * Project root for relative paths. Default: the parent of the `experiments/` folder holding the
   * file, else the nearest folder with package.json or .git, else the file's folder.
   */
  root?: string;
  /** Open every dataset and check its parquet footer and target column. Default true. */
  checkData?: boolean;
  /**
   * A problem of one dataset's data alone (0 or 1 rows, a split that leaves a side empty) does not
   * refuse the file: it is returned in `datasetProblems` (plan and run). Default false: refused
   * with the rest (validate, exit 2).
   */
  keepDatasetProblems?: boolean;
  /**
   * The schema to validate against: `experimentSchemaFor(settings)` with the settings of the backends
   * this program can run (@mxn/engine's `experimentSchema`). Default: `experimentSchema` of this
   * package, the common keys only, so a file with a backend's settings (`maxNodes`, `runtime`, …) is
   * refused with "unknown key" rather than loaded with settings nobody checked.
   */
  schema?: ExperimentSchema;
  /**
   * The file and the project come from untrusted input (a pull request): paths must stay inside the
   * root through symlinks too, and the file itself may not be a link out of it. Default false.
   */
  untrusted?: boolean;
}

export async function loadExperiment(file: string, options: LoadOptions = {}): Promise<LoadedExperiment> {
  const absolute = path.resolve(file);
  const shown = path.relative(process.cwd(), absolute) || absolute;
  const root = options.root ? path.resolve(options.root) : findRoot(absolute);
  const untrusted = options.untrusted === true;
  const text = await readExperimentText(absolute, root, shown, untrusted);
  const { doc, lines, raw } = parseExperimentText(text, shown);
  const issue = (where: readonly (string | number)[], message: string, atKey = false): ExperimentIssue => ({
    file: shown,
    ...locate(doc, lines, where, { atKey }),
    message,
  });

  const schema = options.schema ?? experimentSchema;
  const parsed = schema.safeParse(raw, { error: plainZodMessage });
  if (!parsed.success) {
    // Report the semantic problems of the parts that parsed too, so the user sees everything at once.
    const issues = dropMissingExplainedByTypos(parsed.error.issues.flatMap((zodIssue) => issuesFromZod(zodIssue, doc, issue, schema, raw)));
    const safe = withDefaults(raw);
    issues.push(...bestEffort(() => checkSemantics(safe, root, issue, untrusted)), ...bestEffort(() => checkSplit(safe, issue)));
    // The datasets that parsed are still opened, so a wrong target column shows up now, not on the next try.
    const target = (raw as { evaluation?: { target?: unknown } }).evaluation?.target;
    if (options.checkData !== false && typeof target === 'string' && target)
      await checkDatasets(insideProject(parsedDatasets(raw), root, untrusted), target, root, issue, issues, parsedSplit(raw));
    throw new ExperimentError(sortIssues(issues));
  }

  const spec = parsed.data;
  const issues = [...checkSemantics(spec, root, issue, untrusted), ...checkSplit(spec, issue)];
  const datasets =
    options.checkData === false
      ? []
      : await checkDatasets(
          insideProject([...spec.datasets.entries()], root, untrusted),
          spec.evaluation.target,
          root,
          issue,
          issues,
          spec.evaluation.split,
        );
  const kept = options.keepDatasetProblems ? issues.filter((item) => item.dataset !== undefined) : [];
  if (issues.length > kept.length) throw new ExperimentError(sortIssues(issues));
  return {
    file: absolute,
    root,
    spec,
    datasets,
    ...(kept.length > 0 ? { datasetProblems: sortIssues(kept) } : {}),
    issueAt: (where, message) => issue(where, message),
  };
}

type IssueAt = (where: readonly (string | number)[], message: string, atKey?: boolean) => ExperimentIssue;

function checkSemantics(spec: ExperimentSpec, root: string, issue: IssueAt, untrusted: boolean): ExperimentIssue[] {
  const issues: ExperimentIssue[] = [];
  for (const [list, items] of [
    ['datasets', spec.datasets],
    ['models', spec.models],
  ] as const) {
    const seen = new Map<string, number>();
    items.forEach((item, index) => {
      const before = seen.get(item.name.toLowerCase());
      if (before !== undefined)
        issues.push(
          issue(
            [list, index, 'name'],
            `duplicate ${list.slice(0, -1)} name "${item.name}" (also ${list}[${before}]); names must be unique`,
          ),
        );
      else seen.set(item.name.toLowerCase(), index);
    });
  }
  type ImageItem = { where: (string | number)[]; item: { build?: string; image?: string } };
  const images: ImageItem[] = [
    ...spec.models.map((model, index): ImageItem => ({ where: ['models', index], item: model })),
    ...(spec.aggregate ? [{ where: ['aggregate'], item: spec.aggregate }] : []),
  ];
  for (const { where, item } of images) {
    if (item.build && item.image) issues.push(issue([...where, 'image'], `${describe(where)} has both "build" and "image"; keep one`));
    else if (!item.build && !item.image) issues.push(issue(where, `${describe(where)} needs "build: <folder>" or "image: <reference>"`));
    else if (item.build) {
      const dir = resolveInProject(item.build, root, { untrusted });
      if (dir.path === undefined) issues.push(issue([...where, 'build'], `build folder ${dir.problem}`));
      else if (!existsSync(dir.path) || !statSync(dir.path).isDirectory())
        issues.push(issue([...where, 'build'], `build folder ${item.build} does not exist under ${root}`));
    }
  }
  spec.datasets.forEach((dataset, index) => {
    for (const field of ['train', 'test'] as const) {
      const problem = dataset[field] === undefined ? undefined : projectPathProblem(dataset[field], root, { untrusted });
      if (problem) issues.push(issue(['datasets', index, field], problem));
    }
  });
  spec.models.forEach((model, index) => {
    for (const [name, value] of Object.entries(model.params ?? {})) {
      if (Array.isArray(value) && value.length === 0)
        issues.push(
          issue(['models', index, 'params', name], `params.${name} is an empty list, which makes no variant; give at least one value`),
        );
      else if (!isPlainData(value))
        issues.push(
          issue(['models', index, 'params', name], `params.${name} contains itself (a YAML alias of its own anchor); write it out`),
        );
      else {
        const problem = paramValueProblem(name, value);
        if (problem) issues.push(issue(['models', index, 'params', name], problem));
      }
    }
    for (const name of Object.keys(model.env ?? {})) {
      const problem = envNameProblem(name);
      if (problem) issues.push(issue(['models', index, 'env', name], problem, true));
    }
  });
  issues.push(...checkGrid(spec, issue));
  const known = KNOWN_METRICS[spec.evaluation.task];
  (spec.evaluation.metrics ?? []).forEach((metric, index) => {
    if (!known.includes(metric)) {
      const guess = didYouMean(metric, known);
      issues.push(
        issue(
          ['evaluation', 'metrics', index],
          `unknown ${spec.evaluation.task} metric "${metric}"; ${guess ? `did you mean "${guess}"?` : `use ${known.join(', ')}`}`,
        ),
      );
    }
  });
  if (parseDuration(spec.compute.timeout) === undefined)
    issues.push(issue(['compute', 'timeout'], `timeout "${spec.compute.timeout}" is not a duration; write e.g. 90s, 30m or 2h`));
  return issues;
}

/**
 * The grid's size, from the lengths of the params lists before anything is expanded: above
 * `compute.maxCells` (default 10,000) it is one problem at the largest model's params. Within it,
 * two variants of a model with the same name (`k: [1, "1"]`) would be one cell id: also refused.
 */
function checkGrid(spec: ExperimentSpec, issue: IssueAt): ExperimentIssue[] {
  const counts = spec.models.map((model) => variantCount(model.params));
  const variants = counts.reduce((sum, count) => sum + count, 0);
  const cells = variants * spec.datasets.length;
  const limit = spec.compute.maxCells ?? DEFAULT_MAX_CELLS;
  if (cells > limit) {
    const largest = counts.indexOf(Math.max(...counts));
    const where = spec.models[largest]?.params ? ['models', largest, 'params'] : ['models'];
    return [
      issue(
        where,
        `the grid makes ${cells} cells (${variants} variants × ${spec.datasets.length} datasets), more than compute.maxCells ` +
          `(${limit}); shorten the params lists${largest >= 0 ? ` of models[${largest}]` : ''} or raise compute.maxCells`,
      ),
    ];
  }
  return spec.models.flatMap((model, index) => {
    if (!model.params || !Object.values(model.params).every(isPlainData)) return [];
    const names = expandVariants(model.name, model.params).map((variant) => variant.name);
    const seen = new Set<string>();
    const twice = names.find((name) => seen.has(name) || !seen.add(name));
    return twice
      ? [issue(['models', index, 'params'], `two variants are named ${twice} (e.g. 1 and "1"); make the values of the lists distinct`)]
      : [];
  });
}

/** Whether a param value is plain data (JSON can hold it): no object that contains itself. */
function isPlainData(value: unknown): boolean {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}

/** The dataset entries whose paths stay in the project (the others are reported by `checkSemantics` and never opened). */
function insideProject(entries: Array<[number, DatasetSpec]>, root: string, untrusted: boolean): Array<[number, DatasetSpec]> {
  const inside = (value: string | undefined) => value === undefined || !projectPathProblem(value, root, { untrusted });
  return entries.filter(([, dataset]) => inside(dataset.train) && inside(dataset.test));
}

/**
 * A misspelt required key gives two problems: "unknown key comand; did you mean command?" and
 * "is missing command". The first says it all; drop the second.
 */
function dropMissingExplainedByTypos(issues: ExperimentIssue[]): ExperimentIssue[] {
  const guessed = new Set(
    issues.flatMap((item) => /^unknown key "[^"]+" in (.+); did you mean "([^"]+)"\?$/.exec(item.message)?.slice(1, 3).join('\0') ?? []),
  );
  return issues.filter((item) => {
    const missing = /^(.+) is missing "([^"]+)"$/.exec(item.message);
    return !missing || !guessed.has(`${missing[1]}\0${missing[2]}`);
  });
}

/** The dataset entries of a file that failed the schema which are valid on their own, with their index. */
function parsedDatasets(raw: unknown): Array<[number, DatasetSpec]> {
  const list = (raw as { datasets?: unknown })?.datasets;
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry, index): Array<[number, DatasetSpec]> => {
    const parsed = datasetSchema.safeParse(entry);
    return parsed.success ? [[index, parsed.data]] : [];
  });
}

/** `evaluation.split` of a file that failed the schema, when that part is valid on its own. */
function parsedSplit(raw: unknown): SplitConfig | undefined {
  const evaluation = isObject(raw) && isObject(raw.evaluation) ? raw.evaluation : {};
  const parsed = evaluationSchema.shape.split.safeParse(evaluation.split);
  return parsed.success ? parsed.data : undefined;
}

/** What the split asks of the task: stratifying keeps class proportions, so it needs classes. */
function checkSplit(spec: ExperimentSpec, issue: IssueAt): ExperimentIssue[] {
  if (spec.evaluation.split?.stratify !== true || spec.evaluation.task === 'classification') return [];
  return [issue(['evaluation', 'split', 'stratify'], 'a stratified split keeps class proportions, so it needs task: classification')];
}

/** Runs a check on data that failed the schema; a check that trips over a wrong type reports nothing. */
function bestEffort(check: () => ExperimentIssue[]): ExperimentIssue[] {
  try {
    return check();
  } catch {
    return [];
  }
}

/**
 * A file that failed the schema, made safe for the semantic checks: each part keeps what has the
 * right type (names, folders, params, metrics, timeout) and drops the rest, which the schema has
 * reported, so the checks of the parts that parsed still run. A misspelt task is read as the one meant.
 */
function withDefaults(raw: unknown): ExperimentSpec {
  const value = (isObject(raw) ? raw : {}) as Record<string, unknown>;
  const text = (item: unknown) => (typeof item === 'string' ? item : undefined);
  const named = (items: unknown) => (Array.isArray(items) ? items : []).filter((item) => isObject(item) && typeof item.name === 'string');
  const strings = (items: unknown) => (Array.isArray(items) ? items.filter((item) => typeof item === 'string') : undefined);
  const imageOf = (item: Record<string, unknown>) => ({
    ...(text(item.build) ? { build: item.build } : {}),
    ...(text(item.image) ? { image: item.image } : {}),
  });
  const models = named(value.models).map((model: Record<string, unknown>) => ({
    name: model.name,
    command: strings(model.command) ?? [],
    ...imageOf(model),
    ...(isObject(model.params) ? { params: model.params } : {}),
    ...(isObject(model.env) ? { env: model.env } : {}),
  }));
  const datasets = named(value.datasets).map((dataset: Record<string, unknown>) => ({
    name: dataset.name,
    ...(text(dataset.train) ? { train: dataset.train } : {}),
    ...(text(dataset.test) ? { test: dataset.test } : {}),
  }));
  const evaluation = isObject(value.evaluation) ? value.evaluation : {};
  const written = text(evaluation.task) ?? 'regression';
  const task = (TASKS as readonly string[]).includes(written) ? written : didYouMean(written, TASKS);
  const compute = isObject(value.compute) ? value.compute : {};
  return {
    name: text(value.name) ?? '',
    datasets,
    models,
    ...(isObject(value.aggregate) ? { aggregate: { command: [], ...imageOf(value.aggregate) } } : {}),
    evaluation: {
      target: text(evaluation.target) ?? '',
      // A task that is no task and not a typo of one: its metrics cannot be checked.
      task: task ?? 'regression',
      metrics: task ? strings(evaluation.metrics) : undefined,
      ...(parsedSplit(raw) ? { split: parsedSplit(raw) } : {}),
    },
    compute: {
      backend: 'local',
      retries: 1,
      timeout: text(compute.timeout) ?? '30m',
      ...(typeof compute.maxCells === 'number' ? { maxCells: compute.maxCells } : {}),
    },
  } as unknown as ExperimentSpec;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

function sortIssues(issues: ExperimentIssue[]): ExperimentIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}

function findRoot(file: string): string {
  const dir = path.dirname(file);
  if (path.basename(dir) === 'experiments') return path.dirname(dir);
  for (let current = dir; ; current = path.dirname(current)) {
    if (existsSync(path.join(current, 'package.json')) || existsSync(path.join(current, '.git'))) return current;
    if (path.dirname(current) === current) return dir;
  }
}
