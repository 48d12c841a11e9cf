import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clearBuildContextHashes } from '@mxn/core';
import { describe, expect, it } from 'vitest';
import { defaultRegistry, imageForBuild, imageForFolder, parseImageRef, registryBaseUrl } from './image-ref.js';

describe('image references', () => {
  it('tags an image with the first 12 hex characters of its build-context hash, under a lower-case repository', () => {
    const hash = 'a'.repeat(40) + 'b'.repeat(24);
    expect(imageForBuild('Ridge', hash, 'myacr.azurecr.io')).toBe('myacr.azurecr.io/ridge:aaaaaaaaaaaa');
    expect(() => imageForBuild('ridge', 'not-a-hash', 'r.io')).toThrow(/not a build-context hash/);
    expect(() => imageForBuild('ridge', hash, undefined)).toThrow(/MXN_REGISTRY|no registry/);
  });

  it('reads the default registry from MXN_REGISTRY', () => {
    expect(defaultRegistry({ MXN_REGISTRY: ' myacr.azurecr.io/ ' })).toBe('myacr.azurecr.io');
    expect(defaultRegistry({})).toBeUndefined();
  });

  it('changes the tag when a file in the folder changes, but not for files .dockerignore leaves out', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mxn-tag-'));
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    await writeFile(path.join(dir, '.dockerignore'), 'notes.txt\n');
    const first = await imageForFolder('m', dir, 'r.io');
    await writeFile(path.join(dir, 'notes.txt'), 'scratch notes');
    clearBuildContextHashes();
    expect(await imageForFolder('m', dir, 'r.io')).toBe(first);
    await writeFile(path.join(dir, 'train.js'), 'console.log(1)');
    clearBuildContextHashes();
    expect(await imageForFolder('m', dir, 'r.io')).not.toBe(first);
  });

  it('splits references and uses plain HTTP only for loopback registries', () => {
    expect(parseImageRef('127.0.0.1:5000/team/ridge:abc')).toEqual({ registry: '127.0.0.1:5000', repository: 'team/ridge', tag: 'abc' });
    expect(() => parseImageRef('ridge')).toThrow(/not a registry/);
    expect(registryBaseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryBaseUrl('localhost')).toBe('http://localhost');
    expect(registryBaseUrl('myacr.azurecr.io')).toBe('https://myacr.azurecr.io');
  });
});
