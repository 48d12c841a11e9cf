import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { changedExperiments, experimentNameOf } from './changed-experiments.js';

describe('changedExperiments', () => {
  it('picks experiments changed directly or through a model or aggregate folder they build from', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mxn-changed-'));
    await mkdir(path.join(root, 'experiments'));
    await writeFile(path.join(root, 'experiments/a.yaml'), 'name: a\nmodels:\n  - { name: ridge, build: models/ridge }\n');
    await writeFile(
      path.join(root, 'experiments/b.yaml'),
      'name: b\nmodels:\n  - { name: knn, build: ./models/knn/ }\naggregate: { build: models/ensemble }\n',
    );
    await writeFile(path.join(root, 'experiments/broken.yaml'), 'name: [\n');
    await writeFile(path.join(root, 'experiments/notes.md'), '');
    const changed = (files: string[]) => changedExperiments({ root, changedFiles: files });
    expect(await changed(['models/knn/train.js'])).toEqual(['experiments/b.yaml']);
    expect(await changed(['models/ensemble/aggregate.js', 'experiments/a.yaml'])).toEqual(['experiments/a.yaml', 'experiments/b.yaml']);
    expect(await changed(['models/knn-v2/train.js', 'README.md', 'experiments/notes.md'])).toEqual([]);
    expect(await changed(['experiments/broken.yaml', 'experiments/deleted.yaml'])).toEqual(['experiments/broken.yaml']);
    expect(await experimentNameOf(path.join(root, 'experiments/broken.yaml'))).toBe('broken');
    expect(await experimentNameOf(path.join(root, 'experiments/a.yaml'))).toBe('a');
  });
});
