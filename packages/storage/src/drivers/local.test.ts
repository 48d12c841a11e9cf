import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { testStore } from '@mxn/testkit/store-contract';
import { localStore } from './local.js';

const base = await mkdtemp(path.join(tmpdir(), 'mxn-local-store-'));
afterAll(() => rm(base, { recursive: true, force: true }));
let n = 0;

testStore('local', async () => localStore({ root: path.join(base, `store-${n++}`) }), { partSize: 64 * 1024 });
