/**
 * Building the model images of one or more experiments: `mxn build` and the GitHub `build-images`
 * step both come here. The tag of a build folder's image is its content hash, so an unchanged
 * folder is never rebuilt, and a push leaves alone what the registry has.
 */
import type { LoadedExperiment } from '@mxn/core';
import { MxnError } from '@mxn/errors';
import {
  buildExperimentImages,
  defaultRegistry,
  detectEngine,
  registryCredentialsFromEnv,
  requireRegistry,
  type CommandRunner,
  type ContainerEngine,
  type FailedImageOutcome,
  type ImageOutcome,
  type RegistryCredentials,
} from '@mxn/images';
import { loadExperiment } from './experiment-schema.js';
import { checkUntrustedExperiment } from './location-policy.js';

export const IMAGE_STATES = ['built', 'reused', 'pushed', 'pulled', 'failed'] as const;
export type ImageState = (typeof IMAGE_STATES)[number];

export interface BuildOptions {
  /** Project root (default: the first experiment's). */
  root?: string;
  /** Push to the registry (images it has are left alone). Needs a registry. */
  push?: boolean;
  /** Registry host. Default `MXN_REGISTRY`; without one, images are tagged in the local engine only. */
  registry?: string;
  /** Default: from the environment (`MXN_REGISTRY_USERNAME`/`_PASSWORD`, or the Azure identity for ACR), when pushing. */
  credentials?: RegistryCredentials;
  platform?: string;
  force?: boolean;
  /** Also pull the prebuilt `image:` references. Default true. */
  prebuilt?: boolean;
  /** Default: the Docker or Podman that answers (`detectEngine`); none is a usage error. */
  engine?: ContainerEngine;
  run?: CommandRunner;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

export interface BuildReport {
  engine: ContainerEngine;
  root: string;
  /** Build folder → image reference, and prebuilt reference → its digest reference. */
  images: Record<string, string>;
  outcomes: Array<ImageOutcome | FailedImageOutcome>;
  totals: Record<ImageState, number>;
  failed: FailedImageOutcome[];
  /** `failure` when an image failed, else `ok`. */
  outcome: 'ok' | 'failure';
}

/** Loads the experiment files for a build: their models and aggregate only, not their data. */
export function loadForBuild(files: string[], root?: string, options: { untrusted?: boolean } = {}): Promise<LoadedExperiment[]> {
  if (files.length === 0)
    throw new MxnError('Usage', 'mxn build: expected an experiment.yaml', { hint: 'usage: mxn build <experiment.yaml> [--push]' });
  return Promise.all(
    files.map(async (file) => {
      const loaded = await loadExperiment(file, {
        checkData: false,
        ...(root ? { root } : {}),
        ...(options.untrusted ? { untrusted: true } : {}),
      });
      // a pull request's file: build folders inside the project (the load), allowed stores only, a real `.mxn`
      if (options.untrusted) checkUntrustedExperiment(loaded);
      return loaded;
    }),
  );
}

export async function buildImages(experiments: LoadedExperiment[], options: BuildOptions = {}): Promise<BuildReport> {
  const named = options.registry?.trim() || defaultRegistry();
  const registry = options.push ? requireRegistry(named, 'set MXN_REGISTRY (e.g. myacr.azurecr.io) or pass --registry HOST') : named;
  const engine = options.engine ?? (await detectEngine(options.run ? { run: options.run } : {}));
  if (!engine)
    throw new MxnError('Usage', `no container engine answers (${process.env.MXN_CONTAINER_ENGINE?.trim() || 'docker or podman'})`, {
      hint: 'start Docker or Podman, or use --runtime process',
    });
  const root = options.root ?? experiments[0]?.root ?? process.cwd();
  const credentials = options.credentials ?? (registry && options.push ? registryCredentialsFromEnv(registry) : undefined);
  const { images, outcomes } = await buildExperimentImages(experiments, {
    engine,
    root,
    registry: registry ?? '',
    ...(options.push ? { push: true } : {}),
    ...(options.prebuilt === false ? { prebuilt: false } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.force ? { force: true } : {}),
    ...(credentials ? { credentials } : {}),
    ...(options.run ? { run: options.run } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const totals = Object.fromEntries(
    IMAGE_STATES.map((state) => [state, outcomes.filter((outcome) => outcome.state === state).length]),
  ) as Record<ImageState, number>;
  const failed = outcomes.filter((outcome): outcome is FailedImageOutcome => outcome.state === 'failed');
  return { engine, root, images, outcomes, totals, failed, outcome: failed.length ? 'failure' : 'ok' };
}
