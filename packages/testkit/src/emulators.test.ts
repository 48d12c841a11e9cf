import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashBuildContext } from '@mxn/core';
import { exportLines, modelFolderImages } from './emulators.js';

describe('exportLines', () => {
  it('single-quotes values for the shell', () => {
    expect(exportLines({ A: "it's", B: 'x;y' })).toBe("export A='it'\\''s'\nexport B='x;y'");
    expect(exportLines({ AZURE_STORAGE_CONNECTION_STRING: 'AccountName=a;AccountKey=k==' })).toBe(
      "export AZURE_STORAGE_CONNECTION_STRING='AccountName=a;AccountKey=k=='",
    );
  });
});

describe('modelFolderImages', () => {
  /** A folder with `train.js` and its image tag, hashed as another process (the mxn CLI) would: a path this one never hashed. */
  const folderWith = async (text: string) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mxn-model-'));
    await writeFile(path.join(dir, 'train.js'), text);
    return (await hashBuildContext(dir)).slice(0, 12);
  };

  it('finds a folder by the hash a client computed after the last scan, and fails to pull a hash no folder has', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mxn-model-images-'));
    const model = path.join(root, 'models', 'ridge');
    await mkdir(model, { recursive: true });
    await writeFile(path.join(model, 'train.js'), 'v1');
    const images = modelFolderImages(root);
    expect(await images(`registry.local/ridge:${await folderWith('v1')}`)).toEqual({ cwd: model });

    // Edited between two runs (or a workspace package it depends on was): the next run names the new hash.
    await writeFile(path.join(model, 'train.js'), 'v2');
    const edited = await folderWith('v2');
    expect(await images(`registry.local/ridge:${edited}`)).toEqual({ cwd: model });

    expect(await images('registry.local/ridge:0123456789ab')).toEqual({
      pullFailure: `manifest for registry.local/ridge:0123456789ab not found: manifest unknown (models/ridge hashes to ${edited} now)`,
    });
    expect(await images('node:20-slim')).toBeUndefined();
  });
});
