import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
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
    expect(await experimentNameOf(path.join(root, 'experiments/broken.yaml'), { root })).toBe('broken');
    expect(await experimentNameOf(path.join(root, 'experiments/a.yaml'), { root })).toBe('a');
  });

  it('untrusted: an experiment file linked from outside the root, an oversized one or an alias bomb names nothing', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'mxn-outside-'));
    await writeFile(path.join(outside, 'secret.yaml'), 'name: "::error::secret from outside"\nmodels:\n  - { build: models/ridge }\n');
    const root = await mkdtemp(path.join(tmpdir(), 'mxn-changed-'));
    await mkdir(path.join(root, 'experiments'));
    await symlink(path.join(outside, 'secret.yaml'), path.join(root, 'experiments/linked.yaml'));
    // over the 1 MiB cap: the name at its top is not read
    await writeFile(
      path.join(root, 'experiments/huge.yaml'),
      `name: huge-name\nmodels:\n  - { build: models/ridge }\n#${'x'.repeat(1 << 20)}\n`,
    );
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${`*${'abcdefg'[i]}, `.repeat(10)}]`),
    ];
    await writeFile(path.join(root, 'experiments/bomb.yaml'), `name: bomb-name\n${bomb.join('\n')}\n`);
    const untrusted = { root, untrusted: true };
    expect(await experimentNameOf(path.join(root, 'experiments/linked.yaml'), untrusted)).toBe('linked');
    expect(await experimentNameOf(path.join(root, 'experiments/huge.yaml'), untrusted)).toBe('huge');
    expect(await experimentNameOf(path.join(root, 'experiments/bomb.yaml'), untrusted)).toBe('bomb');
    expect(await changedExperiments({ root, changedFiles: ['models/ridge/train.py'], untrusted: true })).toEqual([]);
    // trusted input may link an experiment in from elsewhere, as the user's own choice
    expect(await experimentNameOf(path.join(root, 'experiments/linked.yaml'), { root })).toBe('::error::secret from outside');
    expect(await changedExperiments({ root, changedFiles: ['models/ridge/train.py'] })).toEqual(['experiments/linked.yaml']);
  });
});
