import { copyFile, link as hardLink, mkdir, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runPool } from '@mxn/async';
import { buildManifest, type RunSpec, type TaskOutcome, type TaskSpec } from '@mxn/core';
import { joinKey, writeJson, type Store } from '@mxn/storage';
import { clearPrefix, copyPrefix } from './store-transfer.js';

/**
 * Fills the aggregate's input prefix afresh: `manifest.json` (from `buildManifest`, so every backend
 * agrees on it) and `cells/<id>/` holding each cell's outputs, for cells that ran and cached ones.
 * On a local store the cell folders are symbolic links to the cells' output folders (hard-linked
 * copies for a container, which sees nothing outside its mounts); on any other store the objects
 * are copied.
 */
export async function stageAggregateInput(
  store: Store,
  spec: RunSpec,
  aggregate: TaskSpec,
  outcomes: TaskOutcome[],
  concurrency: number,
  options: { links: boolean } = { links: true },
): Promise<void> {
  const manifest = buildManifest(spec, outcomes);
  const outputOf = new Map([...spec.tasks, ...(spec.cached ?? [])].map((cell) => [cell.id, cell.outputPrefix]));
  const cells = manifest.cells.map((cell) => ({ dir: cell.dir, outputPrefix: outputOf.get(cell.id)! }));

  if (store.localPath) {
    const localPath = store.localPath.bind(store);
    const dir = localPath(aggregate.inputPrefix);
    await rm(dir, { recursive: true, force: true });
    await mkdir(path.join(dir, 'cells'), { recursive: true });
    await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await runPool(cells, 32, async (cell) => {
      const link = path.join(dir, ...cell.dir.split('/'));
      const target = localPath(cell.outputPrefix);
      if (!(await isFolder(target))) await mkdir(link, { recursive: true });
      else if (options.links) await symlink(path.relative(path.dirname(link), target), link, 'dir');
      else await linkTree(target, link);
    });
    return;
  }

  await clearPrefix(store, aggregate.inputPrefix, concurrency);
  await writeJson(store, joinKey(aggregate.inputPrefix, 'manifest.json'), manifest);
  await runPool(cells, concurrency, (cell) => copyPrefix(store, cell.outputPrefix, joinKey(aggregate.inputPrefix, cell.dir), concurrency));
}

/** A copy of `from` at `to` made of hard links (the aggregate mounts it read-only), or of copies where links cannot be made. */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) await linkTree(source, target);
    else if (entry.isFile()) await hardLink(source, target).catch(() => copyFile(source, target));
  }
}

async function isFolder(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isDirectory() ?? false;
}
