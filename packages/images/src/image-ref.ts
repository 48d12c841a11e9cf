/**
 * Image references of built models: `<registry>/<model>:<first 12 hex of the build-context hash>`.
 * The same folder content gives the same tag everywhere, so an unchanged model is never rebuilt.
 */
import { hashBuildContext } from '@mxn/core';
import { ImagesError } from './errors.js';

/** Length of the tag taken from the build-context hash. */
export const TAG_LENGTH = 12;

/** The registry named by `MXN_REGISTRY` (e.g. `myacr.azurecr.io` or `127.0.0.1:5000`), if any. */
export function defaultRegistry(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env.MXN_REGISTRY?.trim().replace(/\/+$/, '');
  return value ? value : undefined;
}

/** The tag of an image built from a folder whose content hash is `contextHash`. */
export function imageTagOf(contextHash: string): string {
  if (!/^[0-9a-f]{12,}$/.test(contextHash)) throw new ImagesError('Build', `"${contextHash}" is not a build-context hash`);
  return contextHash.slice(0, TAG_LENGTH);
}

/** The registry host to push to (trimmed, no trailing slash); none is a configuration error (exit 2), said the same way everywhere. */
export function requireRegistry(registry: string | undefined, hint = 'set MXN_REGISTRY (e.g. myacr.azurecr.io)'): string {
  const host = registry?.trim().replace(/\/+$/, '');
  if (!host) throw new ImagesError('Config', 'no registry to push model images to', { hint });
  return host;
}

/** `${registry}/${model}:${hash12}`; repository names are lower case in OCI registries. */
export function imageForBuild(model: string, contextHash: string, registry: string | undefined = defaultRegistry()): string {
  const host = requireRegistry(registry);
  return `${host}/${model.toLowerCase()}:${imageTagOf(contextHash)}`;
}

/** Repository prefix of images built without a registry: `mxn/<model>:<hash12>`, in the local engine only. */
export const LOCAL_REPOSITORY_PREFIX = 'mxn';

/** `${registry}/${model}:${hash12}` with a registry, else `mxn/${model}:${hash12}` (local only). */
export function imageRefFor(model: string, contextHash: string, registry?: string): string {
  const host = registry?.trim().replace(/\/+$/, '');
  return host ? imageForBuild(model, contextHash, host) : `${LOCAL_REPOSITORY_PREFIX}/${model.toLowerCase()}:${imageTagOf(contextHash)}`;
}

/** The image reference of a build folder, from its content (honouring `.dockerignore`). */
export async function imageForFolder(model: string, buildDir: string, registry?: string): Promise<string> {
  return imageForBuild(model, await hashBuildContext(buildDir), registry);
}

export interface ImageRef {
  /** Host and optional port, e.g. `myacr.azurecr.io`, `127.0.0.1:5000`. */
  registry: string;
  /** Repository path inside the registry, e.g. `ridge` or `team/ridge`. */
  repository: string;
  tag: string;
}

/** Splits `registry/repository:tag` (the registry part is required: mxn always pushes to a named one). */
export function parseImageRef(ref: string): ImageRef {
  const slash = ref.indexOf('/');
  const colon = ref.lastIndexOf(':');
  if (slash <= 0 || colon < slash) throw new ImagesError('Registry', `"${ref}" is not a registry/repository:tag reference`);
  return { registry: ref.slice(0, slash), repository: ref.slice(slash + 1, colon), tag: ref.slice(colon + 1) };
}

/** Base URL of a registry's API: plain HTTP for loopback hosts (as Docker does), HTTPS otherwise. */
export function registryBaseUrl(registry: string, plainHttp?: boolean): string {
  const host = registry.replace(/:\d+$/, '');
  const loopback = host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
  return `${(plainHttp ?? loopback) ? 'http' : 'https'}://${registry}`;
}
