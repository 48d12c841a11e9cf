/** The `build-images` step: builds and pushes the images of the experiments' model folders that the registry lacks. */
import path from 'node:path';
import { loadExperiment } from '@mxn/core';
import { buildImages, defaultRegistry, imageSourcesOf, registryCredentialsFromEnv, type BuildImagesResult, type CommandRunner, type RegistryCredentials } from '@mxn/images';

export interface BuildImagesStepOptions {
  root: string;
  /** Experiment files (relative to root). */
  experiments: string[];
  /** Default `MXN_REGISTRY`. */
  registry?: string;
  /** Default: from the environment (`MXN_REGISTRY_USERNAME`/`_PASSWORD`, or the Azure identity for ACR). */
  credentials?: RegistryCredentials;
  platform?: string;
  force?: boolean;
  run?: CommandRunner;
  log?: (line: string) => void;
}

export async function buildImagesStep(options: BuildImagesStepOptions): Promise<BuildImagesResult> {
  const loaded = await Promise.all(options.experiments.map((file) => loadExperiment(path.resolve(options.root, file), { root: options.root, checkData: false })));
  const registry = options.registry ?? defaultRegistry();
  const credentials = options.credentials ?? (registry ? registryCredentialsFromEnv(registry) : undefined);
  return buildImages({
    root: options.root,
    sources: imageSourcesOf(loaded),
    ...(registry ? { registry } : {}),
    ...(credentials ? { credentials } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.force ? { force: true } : {}),
    ...(options.run ? { run: options.run } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
}
