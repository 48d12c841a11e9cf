import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeScratchFolder, packagesFolder } from './scratch-folder.js';

describe('scratch folders of the process runtime', () => {
  let root: string;
  let scratch: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'mxn-scratch-root-'));
    scratch = await mkdtemp(path.join(tmpdir(), 'mxn-scratch-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  async function put(file: string, text = file): Promise<void> {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }

  it('copies what the image would get, and links the one node_modules above the build folder', async () => {
    await put('node_modules/left-pad/index.js');
    await put('models/m/train.js', 'original');
    await put('models/m/lib/util.js');
    await put('models/m/.dockerignore', 'notes/\n');
    await put('models/m/notes/draft.txt');
    const buildDir = path.join(root, 'models/m');
    const packages = await packagesFolder(buildDir, scratch);
    expect(packages.dir).toBe(path.join(root, 'node_modules'));
    const copy = await makeScratchFolder(buildDir, scratch, 'm@d-1', packages.dir);
    expect((await readdir(copy.dir)).sort()).toEqual(['.dockerignore', 'lib', 'node_modules', 'train.js']);
    expect(await readlink(path.join(copy.dir, 'node_modules'))).toBe(path.join(root, 'node_modules'));
    await writeFile(path.join(copy.dir, 'train.js'), 'changed by the model');
    expect(await readFile(path.join(buildDir, 'train.js'), 'utf8')).toBe('original'); // a copy, not a link
    await copy.remove();
    expect(existsSync(copy.dir)).toBe(false);
  });

  it('merges several node_modules levels into one folder, the nearest package first, made once and removed', async () => {
    await put('node_modules/shared/index.js', 'root');
    await put('node_modules/@scope/a/index.js', 'root a');
    await put('models/node_modules/shared/index.js', 'models');
    await put('models/node_modules/@scope/b/index.js', 'models b');
    await put('models/m/train.js');
    const packages = await packagesFolder(path.join(root, 'models/m'), scratch);
    const dir = packages.dir!;
    expect(path.dirname(dir)).toBe(scratch);
    expect(await realpath(path.join(dir, 'shared'))).toBe(await realpath(path.join(root, 'models/node_modules/shared')));
    expect((await readdir(path.join(dir, '@scope'))).sort()).toEqual(['a', 'b']);
    expect(await readFile(path.join(dir, '@scope/a/index.js'), 'utf8')).toBe('root a');
    await packages.dispose();
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(path.join(root, 'node_modules/shared/index.js'))).toBe(true); // only the links went
  });

  it('has nothing to link when no node_modules is above the build folder', async () => {
    await put('m/train.js');
    expect((await packagesFolder(path.join(root, 'm'), scratch)).dir).toBeUndefined();
  });
});
