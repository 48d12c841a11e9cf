import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { testStore } from '../testing/index.js';
import { localStore } from './local.js';

const base = await mkdtemp(path.join(tmpdir(), 'mxn-local-store-'));
afterAll(() => rm(base, { recursive: true, force: true }));
let n = 0;

testStore('local', async () => localStore({ root: path.join(base, `store-${n++}`) }), { partSize: 64 * 1024 });

it('refuses bytes that differ from the MD5 given up front, leaving no file', async () => {
  const store = localStore({ root: path.join(base, 'md5-check') });
  const md5 = createHash('md5').update('right').digest('base64');
  await expect(store.write('a.txt', 'wrong', { md5 })).rejects.toMatchObject({ code: 'Integrity' });
  expect(await store.head('a.txt')).toBeUndefined();
  expect((await store.write('a.txt', 'right', { md5 })).md5).toBe(md5);
});
