import type { Readable } from 'node:stream';
import { isNotFound } from './errors.js';
import type { Store } from './store.js';

export async function readBytes(store: Store, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await store.read(key)) as Readable) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export async function readText(store: Store, key: string): Promise<string> {
  return (await readBytes(store, key)).toString('utf8');
}

/** Parsed JSON of an object, or `undefined` when it does not exist. */
export async function readJson<T>(store: Store, key: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readText(store, key)) as T;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function writeJson(store: Store, key: string, value: unknown): Promise<void> {
  await store.write(key, `${JSON.stringify(value, null, 2)}\n`, { contentType: 'application/json' });
}

/** Every object under `prefix`, collected. */
export async function listAll(store: Store, prefix?: string) {
  const out = [];
  for await (const info of store.list({ prefix })) out.push(info);
  return out;
}
