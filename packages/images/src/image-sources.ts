/** The build folders an experiment's images come from. */
import path from 'node:path';
import type { LoadedExperiment } from '@mxn/core';

/** One image to make: a build folder and the name of its repository. */
export interface ImageSource {
  /** Repository name (the model name, or `aggregate`). */
  name: string;
  /** Absolute build folder. */
  buildDir: string;
}

/** The build folders of experiments (models and aggregate), one per folder, named after the first model using it. */
export function imageSourcesOf(experiments: LoadedExperiment[]): ImageSource[] {
  const byDir = new Map<string, ImageSource>();
  for (const { spec, root } of experiments) {
    const items = [
      ...spec.models.map((model) => ({ name: model.name, build: model.build })),
      ...(spec.aggregate ? [{ name: 'aggregate', build: spec.aggregate.build }] : []),
    ];
    for (const item of items) {
      if (!item.build) continue;
      const buildDir = path.resolve(root, item.build);
      if (!byDir.has(buildDir)) byDir.set(buildDir, { name: item.name, buildDir });
    }
  }
  return [...byDir.values()];
}
