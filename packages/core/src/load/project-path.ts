/**
 * The rule for paths an experiment file names (dataset `train`/`test`, `build:` folders): a
 * relative path that stays inside the project root, or a store URI (`s3://`, `az://`, a Blob
 * `https://` URL); never an absolute path or `..` above the root. For untrusted input (a pull
 * request's files) symlinks are followed too, one path component at a time and without touching
 * anything outside the root, so a link out is refused with the same message whether the place it
 * names exists or not. Trusted input may link folders in from elsewhere (a large data folder, a
 * test project that links the repository's models), as the user's own choice.
 */
import { lstatSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import path from 'node:path';
import { isRemoteUri } from '@mxn/storage';

/** Where a path leads: a real path inside the root, or why it may not be used (never naming anything outside). */
export type ProjectPath = { path: string; problem?: undefined } | { path?: undefined; problem: string };

const MAX_LINKS = 40;
const GLOB = /[*?[{]/;

export interface ProjectPathOptions {
  /** The path comes from untrusted input: symlinks must stay inside the root as well. */
  untrusted?: boolean;
}

/** Why `value` may not be used as a path in an experiment file, or `undefined` for a remote URI or a path inside `root`. */
export function projectPathProblem(value: string, root: string, options: ProjectPathOptions = {}): string | undefined {
  if (isRemoteUri(value)) return undefined;
  const segments = value.split(/[/\\]/);
  const firstGlob = segments.findIndex((segment) => GLOB.test(segment));
  if (firstGlob >= 0 && segments.slice(firstGlob).includes('..'))
    return `${value} has ".." after a wildcard; write the path inside the project without ".."`;
  const base = firstGlob >= 0 ? segments.slice(0, firstGlob).join('/') : value;
  return resolveInProject(base || '.', root, options).problem;
}

/**
 * The path `relative` names under `root`. Untrusted: its real path, following only symlinks that
 * stay inside the root (a path that does not exist yet resolves as far as it does, the rest is
 * appended as written). Trusted: the path as written, once it is relative and not above the root.
 */
export function resolveInProject(relative: string, root: string, options: ProjectPathOptions = {}): ProjectPath {
  const outside = {
    problem:
      `${relative} is outside the project; use a path relative to the project root (no leading "/", ` +
      'no ".." above it, no symlink out of it) or an s3:// / az:// URI',
  };
  if (relative.startsWith('file:') || path.isAbsolute(relative) || path.win32.isAbsolute(relative)) return outside;
  if (!options.untrusted) {
    const resolved = path.resolve(root, relative);
    return relativeInside(path.resolve(root), resolved) === undefined ? outside : { path: resolved };
  }
  const realRoot = realPathOr(root);
  const roots = [realRoot, path.resolve(root)];
  const pending = relative.split(/[/\\]/);
  let current = realRoot;
  let links = 0;
  // Past a component that does not exist, the rest is taken as written (no symlink can be there).
  let missing = false;
  while (pending.length > 0) {
    const segment = pending.shift()!;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (current === realRoot) return outside;
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, segment);
    const stats: Stats | undefined = missing ? undefined : lstatIfAny(next);
    if (!stats?.isSymbolicLink()) {
      missing ||= !stats;
      current = next;
      continue;
    }
    if (++links > MAX_LINKS) return { problem: `${relative} goes through more than ${MAX_LINKS} symlinks` };
    const target = path.resolve(current, readlinkSync(next));
    const inside = roots.map((base) => relativeInside(base, target)).find((rest) => rest !== undefined);
    if (inside === undefined) return outside;
    current = realRoot;
    pending.unshift(...inside.split(path.sep));
  }
  return { path: current };
}

function realPathOr(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

function lstatIfAny(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

/** `target` relative to `base` when it is `base` or under it. */
function relativeInside(base: string, target: string): string | undefined {
  const rest = path.relative(base, target);
  const up = rest === '..' || rest.startsWith(`..${path.sep}`);
  return rest === '' || (!up && !path.isAbsolute(rest)) ? rest : undefined;
}
