// The command line shared by the docs generators (action-docs.mjs, api-docs.mjs) and the checks
// (check-graph.mjs, check-line-length.mjs): whether a script was run directly, its `--check` and
// `--root DIR` flags, and how a generator reports what it found or wrote.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Whether the module whose `import.meta.url` is `moduleUrl` is the script node was started with. */
export function isMain(moduleUrl) {
  const invoked = process.argv[1] && realpathSync(path.resolve(process.argv[1]));
  return invoked === realpathSync(fileURLToPath(moduleUrl));
}

/** The repository root: the parent of this scripts/ folder. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `--check`, and the root given by `--root DIR` (default: this checkout). */
export function docsArgs(args = process.argv.slice(2)) {
  const rootAt = args.indexOf('--root');
  return { check: args.includes('--check'), root: rootAt >= 0 ? path.resolve(args[rootAt + 1] ?? '.') : repoRoot };
}

/**
 * Reports a generator's result: prints each of `problems`; with `check`, prints `stale(item)` for each
 * of `changed` and exits 1 on any change or problem, else prints `fresh`; without it, calls `write()`
 * when anything changed, prints `updated`, and exits 1 on any problem.
 */
export function reportDocs({ check, changed, problems, stale, fresh, write, updated }) {
  for (const problem of problems) console.error(problem);
  if (check) {
    for (const item of changed) console.error(stale(item));
    if (changed.length > 0 || problems.length > 0) process.exitCode = 1;
    else console.log(fresh);
    return;
  }
  if (changed.length > 0) write();
  console.log(updated);
  if (problems.length > 0) process.exitCode = 1;
}
