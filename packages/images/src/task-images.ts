/**
 * The image of each task of a cloud run: `task.image` when set, else the image mxn builds from its
 * build folder, named as `mxn build` pushes it (after the first model in plan order that uses the folder).
 */
import path from 'node:path';
import { ImagesError } from './errors.js';
import { hashBuildContext, type LoadedExperiment, type TaskSpec } from '@mxn/core';
import { defaultRegistry, imageForBuild } from './image-ref.js';
import { imageSourcesOf } from './image-sources.js';

/**
 * Image reference per task, as the cloud backends pull them (`mxn build --push` pushes exactly these).
 * `tasks`: the cells in plan order (models outer), then the aggregate.
 */
export async function taskImages(tasks: TaskSpec[], registry: string = defaultRegistry() ?? 'mxn.local'): Promise<Map<TaskSpec, string>> {
  const built = tasks.filter((task) => !task.image);
  for (const task of built) {
    if (!task.buildDir)
      throw new ImagesError('Config', `task ${task.id} has neither an image nor a build folder`, {
        hint: 'give the model an image: or a build: folder',
      });
  }
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
