/**
 * The image of each task: `task.image` when set, else the image `@mxn/images` builds from its build
 * folder. Names follow `imageSourcesOf` exactly (it is called here): one image per build folder, named
 * after the first model in plan order that uses the folder (`aggregate` when only the aggregate does),
 * so a plain `mxn run --backend azure-batch` pulls the very images the build step pushed.
 */
import path from 'node:path';
import { BackendError, hashBuildContext, type LoadedExperiment, type TaskSpec } from '@mxn/core';
import { imageSourcesOf } from '@mxn/images';
import { imageForBuild } from './ids.js';

/** Image reference per task. `tasks`: the cells in plan order (models outer), then the aggregate. */
export async function imagesOf(tasks: TaskSpec[], registry?: string): Promise<Map<TaskSpec, string>> {
  const built = tasks.filter((task) => !task.image);
  for (const task of built) {
    if (!task.buildDir)
      throw new BackendError(`azure-batch: task ${task.id} has neither an image nor a build folder`, {
        hint: 'give the model an image: or a build: folder',
      });
  }
  // The models and aggregate of the run as imageSourcesOf reads them (build folders are absolute already).
  const models: Array<{ name: string; build: string }> = [];
  const seen = new Set<string>();
  for (const task of built) {
    if (task.kind !== 'cell' || seen.has(`${task.model}\n${task.buildDir}`)) continue;
    seen.add(`${task.model}\n${task.buildDir}`);
    models.push({ name: task.model, build: task.buildDir! });
  }
  const aggregate = built.find((task) => task.kind === 'aggregate');
  const loaded = {
    root: '/',
    spec: { models, ...(aggregate ? { aggregate: { build: aggregate.buildDir } } : {}) },
  } as unknown as LoadedExperiment;
  const refs = new Map<string, string>();
  for (const source of imageSourcesOf([loaded]))
    refs.set(source.buildDir, imageForBuild(source.name, await hashBuildContext(source.buildDir), registry));
  const images = new Map<TaskSpec, string>();
  for (const task of tasks) images.set(task, task.image ?? refs.get(path.resolve(task.buildDir!))!);
  return images;
}
