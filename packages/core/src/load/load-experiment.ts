/**
 * Loads and validates an experiment file, reporting every problem at once as
 * `file:line:col: message` (an ExperimentError) before anything runs.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { KNOWN_METRICS } from '@mxn/data';
import { ExperimentError, type ExperimentIssue } from '../errors.js';
import { parseDuration } from '../duration.js';
import { datasetSchema, experimentSchema, type DatasetSpec, type ExperimentSchema, type ExperimentSpec } from '../schema/experiment.js';
import { checkDatasets, type ResolvedDataset } from './check-datasets.js';
import { didYouMean } from './did-you-mean.js';
import { locate } from './locate.js';
import { keysAt, otherAlternatives } from './schema-keys.js';

export interface LoadedExperiment {
  /** Absolute path of the experiment file. */
  file: string;
  /** Folder that relative paths in the file are resolved against. */
  root: string;
  spec: ExperimentSpec;
  /** Datasets with the parquet objects they resolve to (empty when `checkData` was false). */
  datasets: ResolvedDataset[];
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
   * The schema to validate against: `experimentSchemaFor(settings)` with the settings of the backends
   * this program can run (@mxn/engine's `experimentSchema`). Default: `experimentSchema` of this
   * package, the common keys only, so a file with a backend's settings (`maxNodes`, `runtime`, …) is
   * refused with "unknown key" rather than loaded with settings nobody checked.
   */
  schema?: ExperimentSchema;
}

export async function loadExperiment(file: string, options: LoadOptions = {}): Promise<LoadedExperiment> {
  const absolute = path.resolve(file);
  const shown = path.relative(process.cwd(), absolute) || absolute;
  const root = options.root ? path.resolve(options.root) : findRoot(absolute);
  const text = await readFile(absolute, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new ExperimentError([
      { file: shown, line: 1, column: 1, message: `cannot read the experiment file (${error.code ?? error.message})` },
    ]);
  });
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const issue = (where: readonly (string | number)[], message: string, atKey = false): ExperimentIssue => ({
    file: shown,
    ...locate(doc, lines, where, { atKey }),
    message,
  });

  if (doc.errors.length > 0) {
    throw new ExperimentError(
      doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return { file: shown, line, column: col, message: `YAML: ${error.message.split('\n')[0]}` };
      }),
    );
  }

  const raw: unknown = doc.toJS() ?? {};
  const schema = options.schema ?? experimentSchema;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    // Report the semantic problems of the parts that parsed too, so the user sees everything at once.
    const issues = dropMissingExplainedByTypos(parsed.error.issues.flatMap((zodIssue) => fromZod(zodIssue, doc, issue, schema, raw)));
    issues.push(...bestEffort(() => checkSemantics(withDefaults(raw), root, issue)));
    // The datasets that parsed are still opened, so a wrong target column shows up now, not on the next try.
    const target = (raw as { evaluation?: { target?: unknown } }).evaluation?.target;
    if (options.checkData !== false && typeof target === 'string' && target)
      await checkDatasets(parsedDatasets(raw), target, root, issue, issues);
    throw new ExperimentError(sortIssues(issues));
  }

  const spec = parsed.data;
  const issues = checkSemantics(spec, root, issue);
  const datasets =
    options.checkData === false ? [] : await checkDatasets([...spec.datasets.entries()], spec.evaluation.target, root, issue, issues);
  if (issues.length > 0) throw new ExperimentError(sortIssues(issues));
  return { file: absolute, root, spec, datasets };
}

type IssueAt = (where: readonly (string | number)[], message: string, atKey?: boolean) => ExperimentIssue;

function fromZod(zodIssue: z.core.$ZodIssue, doc: Document, issue: IssueAt, schema: ExperimentSchema, raw: unknown): ExperimentIssue[] {
  const where = zodIssue.path.filter((key): key is string | number => typeof key !== 'symbol');
  if (zodIssue.code === 'unrecognized_keys') {
    const allowed = keysAt(schema, where, raw).filter((key) => key !== '$schema');
    return zodIssue.keys.map((key) => {
      const guess = didYouMean(key, allowed);
      // A key of another alternative (`maxNodes` under `backend: local`) says whose it is.
      const other = guess ? undefined : otherAlternatives(schema, where, raw, key);
      const owner =
        other && other.accepting.length > 0
          ? `${key} is a setting of ${other.discriminator} ${other.accepting.join(' or ')}, ` +
            `and ${describe([...where, other.discriminator])} is ${String(other.selected)}`
          : undefined;
      const hint = guess ? `did you mean "${guess}"?` : (owner ?? `expected one of: ${allowed.join(', ')}`);
      return issue([...where, key], `unknown key "${key}" in ${describe(where)}; ${hint}`, true);
    });
  }
  if (zodIssue.code === 'invalid_union' && 'discriminator' in zodIssue && typeof zodIssue.discriminator === 'string') {
    // A discriminator no alternative has (`backend: azure`): name the choices, or the one meant.
    const choices = ((zodIssue as { options?: unknown[] }).options ?? []).filter((value): value is string => typeof value === 'string');
    const value = doc.getIn(where);
    const guess =
      typeof value === 'string'
        ? (didYouMean(value, choices) ?? choices.find((choice) => value.length >= 3 && choice.startsWith(value)))
        : undefined;
    const shown = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
    const hint = guess ? `did you mean "${guess}"?` : `expected one of: ${choices.join(', ')}`;
    return [issue(where, `${describe(where)}: unknown ${String(where.at(-1))} ${shown}; ${hint}`)];
  }
  const present = doc.hasIn(where);
  if (!present && zodIssue.code === 'invalid_type') {
    const last = where.at(-1);
    return [issue(where, `${describe(where.slice(0, -1))} is missing "${String(last)}"`)];
  }
  return [issue(where, `${describe(where)}: ${zodIssue.message}`)];
}

function checkSemantics(spec: ExperimentSpec, root: string, issue: IssueAt): ExperimentIssue[] {
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
      const dir = path.resolve(root, item.build);
      if (!existsSync(dir) || !statSync(dir).isDirectory())
        issues.push(issue([...where, 'build'], `build folder ${item.build} does not exist under ${root}`));
    }
  }
  spec.models.forEach((model, index) => {
    for (const [name, value] of Object.entries(model.params ?? {})) {
      if (Array.isArray(value) && value.length === 0)
        issues.push(
          issue(['models', index, 'params', name], `params.${name} is an empty list, which makes no variant; give at least one value`),
        );
    }
  });
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
  if (spec.compute.backend === 'aws-batch')
    issues.push(issue(['compute', 'backend'], 'backend "aws-batch" is not available yet; use local or azure-batch'));
  if (parseDuration(spec.compute.timeout) === undefined)
    issues.push(issue(['compute', 'timeout'], `timeout "${spec.compute.timeout}" is not a duration; write e.g. 90s, 30m or 2h`));
  return issues;
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

/** Runs a check on data that failed the schema; a check that trips over a wrong type reports nothing. */
function bestEffort(check: () => ExperimentIssue[]): ExperimentIssue[] {
  try {
    return check();
  } catch {
    return [];
  }
}

function withDefaults(raw: unknown): ExperimentSpec {
  const value = (raw && typeof raw === 'object' ? raw : {}) as Partial<ExperimentSpec>;
  const list = <T>(items: unknown): T[] =>
    Array.isArray(items)
      ? items.filter((item): item is T => !!item && typeof item === 'object' && typeof (item as { name?: unknown }).name === 'string')
      : [];
  return {
    ...value,
    datasets: list(value.datasets),
    models: list(value.models),
    evaluation: {
      task: 'regression',
      ...(value.evaluation ?? {}),
      metrics: Array.isArray(value.evaluation?.metrics) ? value.evaluation.metrics.filter((m) => typeof m === 'string') : undefined,
    },
    compute: { ...(value.compute ?? {}), timeout: typeof value.compute?.timeout === 'string' ? value.compute.timeout : '30m' },
  } as ExperimentSpec;
}

function describe(where: readonly (string | number)[]): string {
  if (where.length === 0) return 'the experiment';
  return where.map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`)).join('');
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
