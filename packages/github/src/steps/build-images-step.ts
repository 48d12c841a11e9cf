/**
 * The `build-images` step: the same engine call as `mxn build --push` (`buildImages`):
 * every build folder of the experiments whose content-hash tag the registry lacks is built and
 * pushed; the others are left alone. Prebuilt `image:` references are not pulled here (the run's
 * backend pulls them).
 */
import path from 'node:path';
import { buildImages, loadForBuild } from '@mxn/engine';
import {
  defaultRegistry,
  detectEngine,
  ImagesError,
  type CommandRunner,
  type ContainerEngine,
  type FailedImageOutcome,
  type ImageOutcome,
  type RegistryCredentials,
} from '@mxn/images';

export interface BuildImagesStepOptions {
  root: string;
  /** Experiment files (relative to root). */
  experiments: string[];
  /** Default `MXN_REGISTRY`. */
  registry?: string;
  /** Default: from the environment (`MXN_REGISTRY_USERNAME`/`_PASSWORD`, or the Azure identity for ACR). */
  credentials?: RegistryCredentials;
  /** Default `linux/amd64` (Batch nodes). */
  platform?: string;
  force?: boolean;
  /** Default: `detectEngine()` (Docker with buildx assumed when nothing answers). */
  engine?: ContainerEngine;
  run?: CommandRunner;
  fetch?: typeof fetch;
  /**
   * The experiments come from an untrusted pull request (`trust.ts`): build folders must resolve inside
   * the project (no symlink out of it), stores must be allowed, and `.mxn` must be a real folder.
   */
  untrusted?: boolean;
  log?: (line: string) => void;
}

export interface BuildImagesStepResult {
  /** Build folder (absolute) → image reference. */
  images: Record<string, string>;
  outcomes: Array<ImageOutcome | FailedImageOutcome>;
  /** How many images were built (and pushed) now. */
  built: number;
}

export async function buildImagesStep(options: BuildImagesStepOptions): Promise<BuildImagesStepResult> {
  const loaded = await loadForBuild(
    options.experiments.map((file) => path.resolve(options.root, file)),
    options.root,
    { untrusted: options.untrusted === true },
  );
  // none is refused by the engine's build, as for `mxn build --push` (a configuration error, exit 2)
  const registry = options.registry ?? defaultRegistry();
  const log = options.log ?? (() => {});
  // Docker with buildx is assumed when nothing answers: GitHub's runners have it.
  const engine = options.engine ??
    (await detectEngine(options.run ? { run: options.run } : {})) ?? {
      command: 'docker',
      kind: 'docker',
      version: 'unknown',
      buildx: true,
    };
  const report = await buildImages(loaded, {
    engine,
    root: options.root,
    registry,
    push: true,
    prebuilt: false,
    platform: options.platform ?? 'linux/amd64',
    log,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.force ? { force: true } : {}),
    ...(options.run ? { run: options.run } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const { outcomes, failed } = report;
  for (const outcome of failed) log(`${outcome.ref ?? outcome.name}: failed: ${outcome.error}`);
  if (failed.length) {
    const first = failed.map(
      (outcome) =>
        `${outcome.buildDir ? path.relative(options.root, outcome.buildDir) : outcome.name}: ` +
        `${outcome.error.split('\n')[0]!.replace(/^images: /, '')}`,
    );
    throw new ImagesError('Build', `${failed.length} of ${outcomes.length} images failed: ${first.join('; ')}`);
  }
  const built = outcomes.filter((outcome) => outcome.state !== 'failed' && outcome.built).length;
  return {
    images: Object.fromEntries(Object.entries(report.images).filter(([key]) => outcomes.some((outcome) => outcome.buildDir === key))),
    outcomes,
    built,
  };
}
