/**
 * The registry view of model images (the GitHub path): tag = build-context hash; the registry is
 * asked first (`HEAD /v2/<name>/manifests/<tag>`), and only missing images are built and pushed,
 * through `ensureImage` (`docker buildx build --push`, or `docker build` + `docker push` without
 * buildx). `checkImages` only asks.
 */
import { hashBuildContext } from '@mxn/core';
import type { CommandRunner } from './command-runner.js';
import { detectEngine, type ContainerEngine } from './engine.js';
import { defaultRegistry, imageForBuild, requireRegistry } from './image-ref.js';
import type { ImageSource } from './image-sources.js';
import { ensureImage } from './local-images.js';
import type { RegistryCredentials } from './registry-auth.js';
import { findImage } from './registry-client.js';

export interface BuildImagesOptions {
  /** Project root (its node_modules links the workspace packages packed into contexts). */
  root: string;
  sources: ImageSource[];
  /** Default: `MXN_REGISTRY`. */
  registry?: string;
  credentials?: RegistryCredentials;
  /** Default: plain HTTP for loopback registries only. */
  plainHttp?: boolean;
  /** Target platform. Default `linux/amd64` (Batch nodes). */
  platform?: string;
  /** Build even when the tag exists. Default false. */
  force?: boolean;
  /** Only report what would be built. Default false. */
  dryRun?: boolean;
  /** Default: spawns the real commands. */
  run?: CommandRunner;
  fetch?: typeof fetch;
  log?: (line: string) => void;
  /** Default: `detectEngine()` when something must be built (Docker with buildx assumed when nothing answers). */
  engine?: ContainerEngine;
}

export interface ImageStatus {
  name: string;
  buildDir: string;
  ref: string;
  /** `present`: already in the registry; `built`: built and pushed now; `missing`: would be built (dry run). */
  state: 'present' | 'built' | 'missing';
}

export interface BuildImagesResult {
  /** Image reference per build folder (what `runExperiment({ images })` takes). */
  images: Record<string, string>;
  statuses: ImageStatus[];
}

/** Which images exist already, without building anything. */
export async function checkImages(options: Omit<BuildImagesOptions, 'dryRun'>): Promise<BuildImagesResult> {
  return buildImages({ ...options, dryRun: true });
}

export async function buildImages(options: BuildImagesOptions): Promise<BuildImagesResult> {
  const registry = requireRegistry(options.registry ?? defaultRegistry());
  const log = options.log ?? (() => {});
  const registryOptions = { credentials: options.credentials, plainHttp: options.plainHttp, fetch: options.fetch };
  const statuses: ImageStatus[] = [];
  let engine = options.engine;
  for (const source of options.sources) {
    const ref = imageForBuild(source.name, await hashBuildContext(source.buildDir), registry);
    const present = !options.force && (await findImage(ref, registryOptions)).exists;
    if (present || options.dryRun) {
      statuses.push({ ...source, ref, state: present ? 'present' : 'missing' });
      if (present) log(`${ref}: already in the registry, not rebuilt`);
      continue;
    }
    engine ??= (await detectEngine(options.run ? { run: options.run } : {})) ?? {
      command: 'docker',
      kind: 'docker',
      version: 'unknown',
      buildx: true,
    };
    const outcome = await ensureImage(source, {
      engine,
      root: options.root,
      registry,
      push: true,
      platform: options.platform ?? 'linux/amd64',
      log,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.plainHttp !== undefined ? { plainHttp: options.plainHttp } : {}),
      ...(options.run ? { run: options.run } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.force ? { force: true } : {}),
    });
    statuses.push({ ...source, ref: outcome.ref, state: outcome.state === 'reused' ? 'present' : 'built' });
  }
  return { images: Object.fromEntries(statuses.map((status) => [status.buildDir, status.ref])), statuses };
}
