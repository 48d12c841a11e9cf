import { StoreError } from './errors.js';

/** Joins key parts with `/`, dropping empty parts and duplicate slashes. */
export function joinKey(...parts: string[]): string {
  return parts
    .flatMap((part) => part.split('/'))
    .filter((part) => part.length > 0)
    .join('/');
}

/** Rejects keys that could escape the store root. */
export function checkKey(key: string): string {
  const clean = joinKey(key);
  if (clean.split('/').some((part) => part === '..' || part === '.')) {
    throw new StoreError('InvalidKey', `key "${key}" must not contain "." or ".." segments`);
  }
  return clean;
}
