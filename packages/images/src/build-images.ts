/**
 * Builds and pushes the images of model folders whose tag is not in the registry yet:
 * tag = build-context hash, ask the registry, build with `docker buildx build --push` otherwise.
 */
import { hashBuildContext, type LoadedExperiment } from '@mxn/core';
import path from 'node:path';
import { prepareBuildContext } from './build-context.js';
import { spawnCommand, type CommandRunner } from './command-runner.js';
import { ImagesError } from './errors.js';
import { defaultRegistry, imageForBuild } from './image-ref.js';
import { basicCredentials, type RegistryCredentials } from './registry-auth.js';
import { findImage } from './registry-client.js';

/** One image to make: a build folder and the name of its repository. */
export interface ImageSource {
  /** Repository name (the model name, or `aggregate`). */
  name: string;
  /** Absolute build folder. */
  buildDir: string;
}

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

/** The build folders of experiments (models and aggregate), one per folder, named after the first model using it. */
export function imageSourcesOf(experiments: LoadedExperiment[]): ImageSource[] {
  const byDir = new Map<string, ImageSource>();
  for (const { spec, root } of experiments) {
    const items = [...spec.models.map((model) => ({ name: model.name, build: model.build })), ...(spec.aggregate ? [{ name: 'aggregate', build: spec.aggregate.build }] : [])];
    for (const item of items) {
      if (!item.build) continue;
      const buildDir = path.resolve(root, item.build);
      if (!byDir.has(buildDir)) byDir.set(buildDir, { name: item.name, buildDir });
    }
  }
  return [...byDir.values()];
}

/** Which images exist already, without building anything. */
export async function checkImages(options: Omit<BuildImagesOptions, 'dryRun'>): Promise<BuildImagesResult> {
  return buildImages({ ...options, dryRun: true });
}

export async function buildImages(options: BuildImagesOptions): Promise<BuildImagesResult> {
  const registry = options.registry ?? defaultRegistry();
  if (!registry) throw new ImagesError('Registry', 'no registry to push model images to', { hint: 'set MXN_REGISTRY (e.g. myacr.azurecr.io)' });
  const run = options.run ?? spawnCommand;
  const log = options.log ?? (() => {});
  const registryOptions = { credentials: options.credentials, plainHttp: options.plainHttp, fetch: options.fetch };
  const statuses: ImageStatus[] = [];
  let loggedIn = false;
  for (const source of options.sources) {
    const ref = imageForBuild(source.name, await hashBuildContext(source.buildDir), registry);
    const present = !options.force && (await findImage(ref, registryOptions)).exists;
    if (present || options.dryRun) {
      statuses.push({ ...source, ref, state: present ? 'present' : 'missing' });
      if (present) log(`${ref}: already in the registry, not rebuilt`);
      continue;
    }
    if (!loggedIn) {
      await dockerLogin(registry, options, run);
      loggedIn = true;
    }
    const context = await prepareBuildContext(source.buildDir, { root: options.root, run });
    try {
      log(`${ref}: building ${path.relative(options.root, source.buildDir) || '.'}${Object.keys(context.packed).length ? ` (with ${Object.keys(context.packed).join(', ')} packed in)` : ''}`);
      const args = ['buildx', 'build', '--push', '--platform', options.platform ?? 'linux/amd64', '--tag', ref, context.dir];
      const result = await run('docker', args, { onOutput: (text) => log(text.trimEnd()) });
      if (result.code !== 0) throw new ImagesError('Build', `docker buildx build of ${ref} failed (exit ${result.code}): ${lastLine(result.stderr)}`);
    } finally {
      await context.cleanup();
    }
    statuses.push({ ...source, ref, state: 'built' });
  }
  return { images: Object.fromEntries(statuses.map((status) => [status.buildDir, status.ref])), statuses };
}

async function dockerLogin(registry: string, options: BuildImagesOptions, run: CommandRunner): Promise<void> {
  const basic = await basicCredentials({ registry, credentials: options.credentials, fetch: options.fetch ?? fetch, plainHttp: options.plainHttp });
  if (!basic) return;
  const result = await run('docker', ['login', registry, '--username', basic.username, '--password-stdin'], { input: basic.password });
  if (result.code !== 0) throw new ImagesError('RegistryAuth', `docker login to ${registry} failed (exit ${result.code}): ${lastLine(result.stderr)}`);
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}
