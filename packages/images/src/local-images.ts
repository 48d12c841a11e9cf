/**
 * Images in the local container engine (and, when pushing, the registry): a build folder's image is
 * tagged with its content hash and built only when that tag is missing; a prebuilt `image:` is
 * pulled once and known by its digest.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { hashBuildContext, type LoadedExperiment } from '@mxn/core';
import { prepareBuildContext } from './build-context.js';
import { spawnCommand, type CommandOptions, type CommandResult, type CommandRunner } from './command-runner.js';
import type { ContainerEngine } from './engine.js';
import { ImagesError } from './errors.js';
import { openEcr, parseEcrRegistry, type EcrRegistry } from './ecr.js';
import { defaultRegistry, imageRefFor, parseImageRef } from './image-ref.js';
import { basicCredentials, type RegistryCredentials } from './registry-auth.js';
import { findImage } from './registry-client.js';
import { imageSourcesOf, type ImageSource } from './image-sources.js';

export interface LocalImageOptions {
  engine: ContainerEngine;
  /** Project root (its node_modules links workspace packages packed into contexts). */
  root: string;
  /** Registry host; default MXN_REGISTRY; without one, built images are tagged `mxn/<name>:<hash12>` locally. */
  registry?: string;
  /** Push built (or present-but-unpushed) images to the registry. Requires a registry. */
  push?: boolean;
  /**
   * `--network` for build steps; default MXN_BUILD_NETWORK, else `host` when the engine has no
   * bridge network (a daemon run with `--bridge=none`), else the engine's default.
   */
  buildNetwork?: string;
  /** `--platform` of builds; default: the engine's own. */
  platform?: string;
  /** For the registry check and `docker login` before a push. */
  credentials?: RegistryCredentials;
  /** Default: plain HTTP for loopback registries only. */
  plainHttp?: boolean;
  /** mxn's own progress lines (building, pushing, pulling). */
  log?: (line: string) => void;
  /** Where the engine's build, push and pull output goes, line by line. Default: `log`. A failure's error carries its tail either way. */
  buildOutput?: (line: string) => void;
  run?: CommandRunner;
  signal?: AbortSignal;
  /** Build even when the tag is present. Default false. */
  force?: boolean;
  /** `buildExperimentImages`: also pull the prebuilt `image:` references. Default true. */
  prebuilt?: boolean;
  /** For the registry check. Default: the global fetch. */
  fetch?: typeof fetch;
  /**
   * An ECR registry (`openEcr`): its API answers the existence check (DescribeImages) and makes a new
   * model's repository before its first push. `buildExperimentImages` opens one itself when pushing to
   * an `<account>.dkr.ecr.<region>.amazonaws.com` registry.
   */
  ecr?: EcrRegistry;
  /** The `mxn_model_kit` folder vendored into Python contexts (default: found above `root`). */
  pythonKit?: string;
}

export interface ImageOutcome {
  name: string;
  buildDir?: string;
  ref: string;
  /**
   * built: built now; reused: already in the local engine (or the registry when pushing) with this
   * content tag; pushed: built or found locally and pushed now; pulled: a prebuilt image pulled
   * now.
   */
  state: 'built' | 'reused' | 'pushed' | 'pulled';
  /** Image id (sha256:…) in the local engine, or the repo digest for prebuilt images. */
  id?: string;
  /** True when a build ran for this outcome (state `built`, or `pushed` after a build). */
  built?: boolean;
  /** Manifest digest in the registry, when known (after a push, or found there). */
  digest?: string;
}

export interface FailedImageOutcome {
  name: string;
  buildDir?: string;
  ref?: string;
  state: 'failed';
  /** The error message (its first line stands on its own). */
  error: string;
}

export interface ExperimentImagesResult {
  /** Build folder → image reference, and prebuilt reference → its digest reference (what the runtimes take). */
  images: Record<string, string>;
  outcomes: Array<ImageOutcome | FailedImageOutcome>;
}

/** Lines of a build log kept for the error message. */
const TAIL_LINES = 15;

const inFlight = new Map<string, Promise<ImageOutcome>>();
const pulls = new Map<string, Promise<ImageOutcome & { id: string }>>();
const logins = new WeakMap<CommandRunner, Map<string, Promise<void>>>();

/**
 * Makes sure the image of one build folder exists locally (and in the registry when `push`): its tag
 * is the content hash, and it is never rebuilt while that tag is present. Concurrent callers for the
 * same (folder, registry, push) share one build.
 */
export function ensureImage(source: ImageSource, options: LocalImageOptions): Promise<ImageOutcome> {
  const registry = registryOf(options);
  const key = [
    options.engine.command,
    path.resolve(source.buildDir),
    source.name,
    registry ?? '',
    options.push ? 'push' : '',
    options.force ? 'force' : '',
  ].join('\0');
  let pending = inFlight.get(key);
  if (!pending) {
    pending = ensureOne(source, { ...options, ...(registry ? { registry } : {}) }).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

async function ensureOne(source: ImageSource, options: LocalImageOptions): Promise<ImageOutcome> {
  const { engine, registry } = options;
  const run = guarded(options.run ?? spawnCommand);
  const log = options.log ?? (() => {});
  if (options.push && !registry)
    throw new ImagesError('Config', `cannot push the image of ${shownDir(source.buildDir, options.root)}: no registry`, {
      hint: 'set MXN_REGISTRY (e.g. myacr.azurecr.io or 127.0.0.1:5000) or pass a registry',
    });
  const ref = await refOf(source, registry, options.root);
  const base = { name: source.name, buildDir: source.buildDir, ref };

  if (options.push && !options.force) {
    const found = options.ecr
      ? { exists: await options.ecr.imageExists(ecrRepository(ref, options.ecr), parseImageRef(ref).tag) }
      : await findImage(ref, { credentials: options.credentials, plainHttp: options.plainHttp, fetch: options.fetch });
    if (found.exists) {
      log(`${ref}: already in the registry, not rebuilt`);
      return { ...base, state: 'reused', ...('digest' in found && found.digest ? { digest: found.digest } : {}) };
    }
  }
  const present = options.force ? undefined : await inspectImage(engine, ref, run, options.signal);
  if (present && !options.push) return { ...base, state: 'reused', id: present.id };
  if (present) {
    const digest = await pushImage(ref, options, run);
    return { ...base, state: 'pushed', id: present.id, ...(digest ? { digest } : {}) };
  }

  const buildx = engine.buildx && engine.kind === 'docker';
  const shown = shownDir(source.buildDir, options.root);
  const recipes = engine.kind === 'podman' ? ['Containerfile', 'Dockerfile'] : ['Dockerfile'];
  if (!(await anyExists(recipes.map((file) => path.join(source.buildDir, file)))))
    throw new ImagesError('Build', `${shown} has no ${recipes.join(' or ')} to build ${ref} from`);
  if (buildx && options.push) {
    await login(options, run);
    await options.ecr?.ensureRepository(ecrRepository(ref, options.ecr));
  }
  const context = await prepareBuildContext(source.buildDir, {
    root: options.root,
    run,
    ...(options.pythonKit ? { pythonKit: options.pythonKit } : {}),
  });
  let pushedDigest: string | undefined;
  try {
    const extras = [...Object.keys(context.packed), ...(context.pythonKit ? ['mxn_model_kit'] : [])];
    log(`${ref}: building ${shown}${extras.length ? ` (with ${extras.join(', ')} packed in)` : ''}`);
    const network = buildNetworkOf(options);
    const args = [
      // --force-rm: a failed classic build must not leave its stopped container (and the image it pins) behind
      ...(buildx ? ['buildx', 'build', options.push ? '--push' : '--load'] : ['build', '--force-rm']),
      ...(options.platform ? ['--platform', options.platform] : []),
      '--tag',
      ref,
      ...(network ? ['--network', network] : []),
      context.dir,
    ];
    const output = lineCollector(options.buildOutput ?? log);
    // Without buildx, Docker's CLI must be told to use its built-in builder (DOCKER_BUILDKIT=1 would fail).
    const env = !buildx && engine.kind === 'docker' ? { DOCKER_BUILDKIT: '0' } : undefined;
    const result = await run(engine.command, args, {
      onOutput: output.push,
      ...(env ? { env } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    output.flush();
    if (result.code !== 0)
      throw buildError(`${engine.command}${buildx ? ' buildx' : ''} build of ${shown} failed (exit ${result.code})`, result, output.lines);
    if (buildx && options.push) pushedDigest = /digest: (sha256:[0-9a-f]{64})/.exec(output.lines.join('\n'))?.[1];
  } finally {
    await context.cleanup();
  }
  if (buildx && options.push) return { ...base, state: 'pushed', built: true, ...(pushedDigest ? { digest: pushedDigest } : {}) };
  const built = await inspectImage(engine, ref, run, options.signal);
  if (!options.push) return { ...base, state: 'built', built: true, ...(built ? { id: built.id } : {}) };
  const digest = await pushImage(ref, options, run);
  return { ...base, state: 'pushed', built: true, ...(built ? { id: built.id } : {}), ...(digest ? { digest } : {}) };
}

/**
 * A prebuilt `image:` reference: pulled once when the engine does not have it; returns its digest
 * (the repo digest `name@sha256:…` when the engine knows one, else the image id), so cell keys can
 * use the digest rather than the tag.
 */
export function ensurePrebuiltImage(
  ref: string,
  options: Pick<LocalImageOptions, 'engine' | 'run' | 'log' | 'buildOutput' | 'signal'>,
): Promise<ImageOutcome & { id: string }> {
  const key = `${options.engine.command}\0${ref}`;
  let pending = pulls.get(key);
  if (!pending) {
    pending = pullOne(ref, options).finally(() => pulls.delete(key));
    pulls.set(key, pending);
  }
  return pending;
}

async function pullOne(
  ref: string,
  options: Pick<LocalImageOptions, 'engine' | 'run' | 'log' | 'buildOutput' | 'signal'>,
): Promise<ImageOutcome & { id: string }> {
  const run = guarded(options.run ?? spawnCommand);
  const { engine } = options;
  const present = await inspectImage(engine, ref, run, options.signal);
  if (present) return { name: ref, ref, state: 'reused', id: digestOf(ref, present) };
  options.log?.(`${ref}: pulling`);
  const output = lineCollector(options.buildOutput ?? options.log ?? (() => {}));
  const result = await run(engine.command, ['pull', ...plainHttpArgs(engine, ref), ref], {
    onOutput: output.push,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  output.flush();
  if (result.code !== 0)
    throw new ImagesError('Pull', `${engine.command} pull of ${ref} failed (exit ${result.code}): ${keyLine(result, output.lines)}`);
  const pulled = await inspectImage(engine, ref, run, options.signal);
  if (!pulled) throw new ImagesError('Pull', `${engine.command} pulled ${ref}, but the engine does not list it afterwards`);
  return { name: ref, ref, state: 'pulled', id: digestOf(ref, pulled) };
}

/**
 * `mxn build`: every build folder of the experiments (`imageSourcesOf`) plus their prebuilt images;
 * one failing folder does not stop the others (it is reported as `failed`).
 */
export async function buildExperimentImages(experiments: LoadedExperiment[], options: LocalImageOptions): Promise<ExperimentImagesResult> {
  let registry = registryOf(options);
  let resolved: LocalImageOptions = { ...options, ...(registry ? { registry } : {}) };
  if (options.push && registry && !options.ecr && parseEcrRegistry(registry)) {
    // ECR: log in through its API; images are named after the host its token names (the registry itself on AWS).
    const ecr = await openEcr(registry);
    registry = ecr.registry;
    resolved = { ...resolved, registry, credentials: ecr.credentials, plainHttp: ecr.plainHttp, ecr };
  }
  const images: Record<string, string> = {};
  const outcomes: ExperimentImagesResult['outcomes'] = [];
  for (const source of imageSourcesOf(experiments)) {
    const ref = await refOf(source, registry, options.root).catch(() => undefined);
    try {
      const outcome = await ensureImage(source, resolved);
      images[source.buildDir] = outcome.ref;
      outcomes.push(outcome);
    } catch (error) {
      outcomes.push({ name: source.name, buildDir: source.buildDir, ...(ref ? { ref } : {}), state: 'failed', error: messageOf(error) });
    }
  }
  if (options.prebuilt !== false) {
    for (const ref of prebuiltRefsOf(experiments)) {
      try {
        const outcome = await ensurePrebuiltImage(ref, resolved);
        images[ref] = outcome.id;
        outcomes.push(outcome);
      } catch (error) {
        outcomes.push({ name: ref, ref, state: 'failed', error: messageOf(error) });
      }
    }
  }
  return { images, outcomes };
}

/** The prebuilt `image:` references of experiments' models and aggregate, once each. */
export function prebuiltRefsOf(experiments: LoadedExperiment[]): string[] {
  const refs = new Set<string>();
  for (const { spec } of experiments) {
    for (const item of [...spec.models, ...(spec.aggregate ? [spec.aggregate] : [])]) if (item.image && !item.build) refs.add(item.image);
  }
  return [...refs];
}

/** The reference a build folder's image gets: `<registry>/<name>:<hash12>`, or `mxn/<name>:<hash12>` without a registry. */
export async function refOf(source: ImageSource, registry: string | undefined, root: string): Promise<string> {
  try {
    await access(source.buildDir);
  } catch {
    throw new ImagesError('Build', `build folder ${shownDir(source.buildDir, root)} does not exist`);
  }
  return imageRefFor(source.name, await hashBuildContext(source.buildDir), registry);
}

function registryOf(options: Pick<LocalImageOptions, 'registry'>): string | undefined {
  const value = (options.registry ?? defaultRegistry())?.trim().replace(/\/+$/, '');
  return value ? value : undefined;
}

function buildNetworkOf(options: LocalImageOptions): string | undefined {
  const explicit = options.buildNetwork ?? (process.env.MXN_BUILD_NETWORK?.trim() || undefined);
  if (explicit) return explicit === 'default' ? undefined : explicit;
  return options.engine.kind === 'docker' && options.engine.bridgeNetwork === false ? 'host' : undefined;
}

interface InspectedImage {
  id: string;
  repoDigests: string[];
}

/** The image `ref` in the engine, or undefined when it has none by that name. */
export async function inspectImage(
  engine: ContainerEngine,
  ref: string,
  run: CommandRunner = spawnCommand,
  signal?: AbortSignal,
): Promise<InspectedImage | undefined> {
  const result = await run(engine.command, ['image', 'inspect', ref], signal ? { signal } : {});
  if (result.code !== 0) return undefined;
  try {
    const [info] = JSON.parse(result.stdout) as Array<{ Id?: string; RepoDigests?: string[] }>;
    if (!info?.Id) return undefined;
    return { id: info.Id.startsWith('sha256:') ? info.Id : `sha256:${info.Id}`, repoDigests: info.RepoDigests ?? [] };
  } catch {
    return undefined;
  }
}

/** The repo digest of `ref`'s repository (`name@sha256:…`), else any repo digest, else the image id. */
function digestOf(ref: string, image: InspectedImage): string {
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return ref;
  const name = repositoryOf(ref);
  const same = image.repoDigests.find((digest) => normalizeName(digest.slice(0, digest.indexOf('@'))) === normalizeName(name));
  return same ?? image.repoDigests[0] ?? image.id;
}

function repositoryOf(ref: string): string {
  const withoutDigest = ref.split('@')[0]!;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** Docker Hub names compare equal with and without `docker.io/` and `library/`. */
function normalizeName(name: string): string {
  return name
    .replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '')
    .replace(/^library\//, '')
    .replace(/^localhost\//, '');
}

async function pushImage(ref: string, options: LocalImageOptions, run: CommandRunner): Promise<string | undefined> {
  await login(options, run);
  await options.ecr?.ensureRepository(ecrRepository(ref, options.ecr));
  options.log?.(`${ref}: pushing`);
  const output = lineCollector(options.buildOutput ?? options.log ?? (() => {}));
  const result = await run(options.engine.command, ['push', ...plainHttpArgs(options.engine, ref, options.plainHttp), ref], {
    onOutput: output.push,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  output.flush();
  if (result.code !== 0)
    throw new ImagesError(
      'Push',
      `${options.engine.command} push of ${ref} failed (exit ${result.code}): ${keyLine(result, output.lines)}`,
    );
  return /digest: (sha256:[0-9a-f]{64})/.exec(result.stdout)?.[1];
}

/** `docker login --password-stdin` once per (runner, engine, registry, user), when credentials are given. */
async function login(options: LocalImageOptions, run: CommandRunner): Promise<void> {
  const registry = options.registry;
  if (!registry || !options.credentials) return;
  const basic = await basicCredentials({
    registry,
    credentials: options.credentials,
    fetch: options.fetch ?? fetch,
    plainHttp: options.plainHttp,
  });
  if (!basic) return;
  const runner = options.run ?? spawnCommand;
  let byKey = logins.get(runner);
  if (!byKey) {
    byKey = new Map();
    logins.set(runner, byKey);
  }
  const key = `${options.engine.command}\0${registry}\0${basic.username}\0${basic.password}`;
  let pending = byKey.get(key);
  if (!pending) {
    pending = (async () => {
      const result = await run(options.engine.command, ['login', registry, '--username', basic.username, '--password-stdin'], {
        input: basic.password,
      });
      if (result.code !== 0)
        throw new ImagesError(
          'RegistryAuth',
          `${options.engine.command} login to ${registry} failed (exit ${result.code}): ${lastLine(result.stderr)}`,
          { hint: 'check MXN_REGISTRY_USERNAME and MXN_REGISTRY_PASSWORD, or the identity’s AcrPull/AcrPush role on the registry' },
        );
    })();
    byKey.set(key, pending);
    pending.catch(() => byKey.delete(key));
  }
  return pending;
}

/** A runner whose "command not found" is one clear error. */
function guarded(run: CommandRunner): CommandRunner {
  return async (command, args, options) => {
    try {
      return await run(command, args, options);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new ImagesError('Engine', `cannot run ${command}: it is not installed or not on the PATH`, {
        cause: error,
        ...(command === 'npm' ? {} : { hint: 'start Docker or Podman (MXN_CONTAINER_ENGINE names the CLI to use)' }),
      });
    }
  };
}

/** Collects a command's output as lines (and hands each to `log`). */
function lineCollector(log: (line: string) => void): { lines: string[]; push: NonNullable<CommandOptions['onOutput']>; flush(): void } {
  const lines: string[] = [];
  let partial = '';
  let notice = false;
  const add = (line: string) => {
    const clean = line.replace(/\r$/, '');
    lines.push(clean);
    if (lines.length > 400) lines.splice(0, lines.length - 200);
    if (DEPRECATION_NOTICE.test(clean)) notice = true;
    else if (notice && !clean.trim()) notice = false;
    else if (!notice && clean.trim()) log(clean);
  };
  return {
    lines,
    push: (text) => {
      const parts = (partial + text).split('\n');
      partial = parts.pop()!;
      for (const part of parts) add(part);
    },
    flush: () => {
      if (partial) add(partial);
      partial = '';
    },
  };
}

/** Docker's notice (a paragraph) that its built-in builder is deprecated: noise in logs and errors. */
const DEPRECATION_NOTICE = /^DEPRECATED: The legacy builder is deprecated/;

function withoutNotices(lines: string[]): string[] {
  const out: string[] = [];
  let skipping = false;
  for (const line of lines) {
    if (DEPRECATION_NOTICE.test(line)) skipping = true;
    else if (skipping && !line.trim()) skipping = false;
    else if (!skipping) out.push(line);
  }
  return out;
}

/** The line that says what went wrong: the last one on stderr (without notices), else the last of the log. */
function keyLine(result: CommandResult, logLines: string[]): string {
  const stderr = withoutNotices(result.stderr.split('\n').map((line) => line.replace(/\r$/, ''))).filter((line) => line.trim());
  const log = withoutNotices(logLines).filter((line) => line.trim());
  return (stderr.at(-1) ?? log.at(-1) ?? 'no output').trim();
}

/** `<what>: <the line that says what went wrong>`, then the last lines of the build log. */
function buildError(what: string, result: CommandResult, streamed: string[]): ImagesError {
  // (a runner that does not stream its output still returns it)
  const logLines = streamed.length ? streamed : `${result.stdout}\n${result.stderr}`.split('\n');
  const key = keyLine(result, logLines);
  const tail = withoutNotices(logLines)
    .filter((line) => line.trim())
    .slice(-TAIL_LINES);
  if (tail.at(-1)?.trim() === key) tail.pop();
  return new ImagesError('Build', `${what}: ${key}${tail.length ? `\n${tail.join('\n')}` : ''}`);
}

/** Podman, unlike Docker, does not treat loopback registries as plain HTTP by itself. */
function plainHttpArgs(engine: ContainerEngine, ref: string, plainHttp?: boolean): string[] {
  if (engine.kind !== 'podman') return [];
  const host = ref.includes('/') ? ref.slice(0, ref.indexOf('/')).replace(/:\d+$/, '') : '';
  const loopback = host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
  return (plainHttp ?? loopback) ? ['--tls-verify=false'] : [];
}

async function anyExists(files: string[]): Promise<boolean> {
  for (const file of files)
    if (
      await access(file).then(
        () => true,
        () => false,
      )
    )
      return true;
  return false;
}

function shownDir(dir: string, root: string): string {
  const relative = path.relative(root, dir);
  return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? dir : relative;
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The repository of `ref` below the ECR registry's prefix (what `EcrRegistry` methods take). */
function ecrRepository(ref: string, ecr: EcrRegistry): string {
  const name = ref.slice(0, ref.lastIndexOf(':'));
  return name.startsWith(`${ecr.registry}/`) ? name.slice(ecr.registry.length + 1) : parseImageRef(ref).repository;
}
