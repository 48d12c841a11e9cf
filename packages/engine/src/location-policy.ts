/**
 * Where an untrusted experiment file (a pull request's) may send the job's cloud identity: every
 * store it names (`compute.staging`, `compute.cache`, `outputs:`, and remote `train`/`test`
 * datasets) must lie under a location the repository configures: `MXN_STAGING`, or a prefix in
 * `MXN_ALLOWED_LOCATIONS` (comma-separated, e.g. `s3://team-data,az://acct/mxn`). A store the file
 * does not name (the default staging store) is the repository's own choice and is not checked.
 */
import { existsSync, lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExperimentError, type ExperimentIssue, type LoadedExperiment, projectPaths } from '@mxn/core';
import { MxnError } from '@mxn/errors';
import { isRemoteUri } from '@mxn/storage';

/** The locations the repository allows untrusted experiments to name: `MXN_STAGING` and each prefix in `MXN_ALLOWED_LOCATIONS`. */
export function allowedLocations(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.MXN_STAGING ?? '', ...(env.MXN_ALLOWED_LOCATIONS ?? '').split(',')].map((item) => item.trim()).filter(Boolean);
}

/**
 * Refuses an experiment that names a store outside `allowed`, as one `file:line` problem per store
 * (an `ExperimentError`, exit 2). A location is allowed when it is an allowed prefix or lies under
 * one, written the same way (`az://` is not a Blob `https://` URL); a query (a SAS) is ignored, and
 * a `.`/`..` segment or an encoded slash is never allowed. Local paths compare by real path.
 */
export function checkLocations(experiment: LoadedExperiment, allowed: readonly string[]): void {
  const { spec, root } = experiment;
  const named: Array<{ where: Array<string | number>; value: string }> = [
    { where: ['compute', 'staging'], value: spec.compute.staging ?? '' },
    { where: ['compute', 'cache'], value: spec.compute.cache ?? '' },
    { where: ['outputs'], value: spec.outputs ?? '' },
    ...spec.datasets.flatMap((dataset, index) =>
      (['train', 'test'] as const).map((field) => ({ where: ['datasets', index, field], value: dataset[field] ?? '' })),
    ),
  ].filter(({ where, value }) => value !== '' && (where[0] !== 'datasets' || isRemoteUri(value)));
  const prefixes = allowed.map((prefix) => canonicalLocation(prefix, root)).filter((prefix): prefix is string => prefix !== undefined);
  const issues: ExperimentIssue[] = [];
  for (const { where, value } of named) {
    const location = canonicalLocation(value, root);
    if (location !== undefined && prefixes.some((prefix) => location === prefix || location.startsWith(`${prefix}/`))) continue;
    const instead = where[0] === 'datasets' ? 'use data in the project' : "leave it out to use the repository's stores";
    const message =
      `${where.join('.').replace(/\.(\d+)\./, '[$1].')} ${value.replace(/\?.*$/, '')} is not a location this repository allows for ` +
      `pull requests; ${instead}, or ask a maintainer to add it to MXN_ALLOWED_LOCATIONS`;
    issues.push(
      experiment.issueAt?.(where, message) ?? { file: path.relative(process.cwd(), experiment.file), line: 1, column: 1, message },
    );
  }
  if (issues.length > 0) throw new ExperimentError(issues);
}

/**
 * Refuses an untrusted checkout's state folder (`.mxn`: the default local staging store and cache,
 * venvs, image build records) when it is a symlink or not a folder: a pull request could commit
 * `.mxn -> /somewhere` and have mxn read and write there. Checked before anything is written.
 */
export function checkStateFolder(root: string): void {
  const folder = path.join(root, projectPaths.state);
  const stats = (() => {
    try {
      return lstatSync(folder);
    } catch {
      return undefined;
    }
  })();
  if (!stats || (stats.isDirectory() && !stats.isSymbolicLink())) return;
  const what = stats.isSymbolicLink() ? 'a symlink' : 'not a folder';
  throw new MxnError(
    'Usage',
    `${projectPaths.state} in ${root} is ${what}: mxn keeps its state (staging, cache) there and will not follow it`,
    {
      hint: `remove ${projectPaths.state} from the pull request (it is mxn's own folder, never committed)`,
    },
  );
}

/**
 * The checks of a pull request's experiment once loaded, before any store is opened or anything is
 * written: the stores it names are allowed (`checkLocations`) and its `.mxn` is a real folder, if any
 * (`checkStateFolder`). The one policy of `mxn build` and `openExperiment` for untrusted files.
 */
export function checkUntrustedExperiment(experiment: LoadedExperiment, env: NodeJS.ProcessEnv = process.env): void {
  checkLocations(experiment, allowedLocations(env));
  checkStateFolder(experiment.root);
}

/** A location in one comparable form (no query, no trailing slash), or `undefined` when it cannot be allowed at all. */
function canonicalLocation(value: string, root: string): string | undefined {
  const bare = value.replace(/[?#].*$/, '');
  if (isRemoteUri(bare)) {
    const match = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(.*)$/i.exec(bare);
    if (!match) return undefined;
    const [, scheme = '', authority = '', rest = ''] = match;
    let decoded: string;
    try {
      decoded = decodeURIComponent(rest);
    } catch {
      return undefined;
    }
    if (/%2f|%5c/i.test(rest) || decoded.includes('\\')) return undefined;
    const segments = decoded.split('/').slice(1);
    if (segments.some((segment, index) => segment === '.' || segment === '..' || (segment === '' && index < segments.length - 1)))
      return undefined;
    return `${scheme.toLowerCase()}://${authority.toLowerCase()}${rest.replace(/\/+$/, '')}`;
  }
  const local = bare.startsWith('file://') ? fileURLToPath(bare) : path.resolve(root, bare);
  return realPathAsFarAsItExists(local);
}

/** The real path of `file`'s longest existing ancestor, with the rest appended. */
function realPathAsFarAsItExists(file: string): string {
  let existing = file;
  while (!existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  const real = existsSync(existing) ? realpathSync(existing) : existing;
  return path.join(real, path.relative(existing, file));
}
