import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashBuildContext, type LoadedExperiment, type TaskSpec } from '@mxn/core';
import { imageForBuild as imagesImageForBuild, imageSourcesOf } from '@mxn/images';
import { taskImages } from '@mxn/images';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'abb-images-'));
  for (const folder of ['linear', 'trees']) {
    await mkdir(path.join(root, folder));
    await writeFile(path.join(root, folder, 'Dockerfile'), `FROM node:20\n# ${folder}\n`);
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const task = (id: string, model: string, folder: string | undefined, kind: TaskSpec['kind'] = 'cell', image?: string): TaskSpec => ({
  id,
  kind,
  model,
  dataset: kind === 'cell' ? 'd' : '',
  command: ['x'],
  env: {},
  inputPrefix: 'i',
  outputPrefix: 'o',
  ...(folder ? { buildDir: path.join(root, folder) } : {}),
  ...(image ? { image } : {}),
});

describe('taskImages (the images an Azure Batch run pulls)', () => {
  it('names one image per build folder after its first model, as the images step does', async () => {
    // ridge and lasso share `linear`; the aggregate shares `trees` with forest; knn has a prebuilt image.
    const tasks = [
      task('ridge@d', 'ridge', 'linear'),
      task('lasso@d', 'lasso', 'linear'),
      task('forest@d', 'forest', 'trees'),
      task('knn@d', 'knn', undefined, 'cell', 'hub/knn:1'),
      task('aggregate', 'aggregate', 'trees', 'aggregate'),
    ];
    const images = await taskImages(tasks, 'acr.example');
    const byId = Object.fromEntries(tasks.map((t) => [t.id, images.get(t)]));
    const linear = (await hashBuildContext(path.join(root, 'linear'))).slice(0, 12);
    const trees = (await hashBuildContext(path.join(root, 'trees'))).slice(0, 12);
    expect(byId).toEqual({
      'ridge@d': `acr.example/ridge:${linear}`,
      'lasso@d': `acr.example/ridge:${linear}`,
      'forest@d': `acr.example/forest:${trees}`,
      'knn@d': 'hub/knn:1',
      aggregate: `acr.example/forest:${trees}`,
    });

    // What the GitHub path builds for the same experiment.
    const loaded = {
      root,
      spec: {
        models: [
          { name: 'ridge', build: 'linear' },
          { name: 'lasso', build: 'linear' },
          { name: 'forest', build: 'trees' },
          { name: 'knn', image: 'hub/knn:1' },
        ],
        aggregate: { build: 'trees' },
      },
    } as unknown as LoadedExperiment;
    const built = await Promise.all(
      imageSourcesOf([loaded]).map(async (source) =>
        imagesImageForBuild(source.name, await hashBuildContext(source.buildDir), 'acr.example'),
      ),
    );
    expect(new Set(images.values())).toEqual(new Set([...built, 'hub/knn:1']));
  });

  it('names an aggregate with its own folder `aggregate`, and refuses a task with neither image nor folder', async () => {
    const agg = task('aggregate', 'aggregate', 'linear', 'aggregate');
    expect((await taskImages([agg], 'r.example')).get(agg)).toMatch(/^r\.example\/aggregate:[0-9a-f]{12}$/);
    await expect(taskImages([task('x@d', 'x', undefined)])).rejects.toThrow(/neither an image nor a build folder/);
  });
});
