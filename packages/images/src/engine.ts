/**
 * The local container engine: which CLI to run (`docker` or `podman`), whether it is Podman (also
 * behind a `docker` shim), the server version, and whether `buildx` is there.
 */
import { spawnCommand, type CommandRunner } from './command-runner.js';

export interface ContainerEngine {
  /** CLI program to run: 'docker' or 'podman' (MXN_CONTAINER_ENGINE overrides). */
  command: string;
  /** 'podman' when the CLI is Podman (also when `docker` is Podman's shim: `docker version` mentions Podman). */
  kind: 'docker' | 'podman';
  /** The server/engine version. */
  version: string;
  /** Whether `<command> buildx version` works. */
  buildx: boolean;
  /**
   * Whether the engine has a `bridge` network, which builds use by default. A Docker daemon started
   * with `--bridge=none` has none, so build steps have no network unless `--network host` is given
   * (`ensureImage` then defaults to it). Undefined when not known.
   */
  bridgeNetwork?: boolean;
}

export interface DetectEngineOptions {
  /** The CLI to ask. Default `MXN_CONTAINER_ENGINE`, else `docker`, then `podman`. */
  command?: string;
  env?: NodeJS.ProcessEnv;
  /** How long each command may take. Default 3000. */
  timeoutMs?: number;
  /** Default: spawns the real commands (and memoises the answer per command). */
  run?: CommandRunner;
}

const detected = new Map<string, Promise<ContainerEngine | undefined>>();

/** The engine that answers within timeoutMs (default 3000), or undefined. Memoised per command (an engine that answered). Never throws. */
export async function detectEngine(options: DetectEngineOptions = {}): Promise<ContainerEngine | undefined> {
  const env = options.env ?? process.env;
  const named = options.command ?? (env.MXN_CONTAINER_ENGINE?.trim() || undefined);
  const candidates = named ? [named] : ['docker', 'podman'];
  for (const command of candidates) {
    const engine = await detectOne(command, options);
    if (engine) return engine;
  }
  return undefined;
}

/** Forgets memoised engines (tests; a long-lived process after the engine was started). */
export function clearDetectedEngines(): void {
  detected.clear();
}

function detectOne(command: string, options: DetectEngineOptions): Promise<ContainerEngine | undefined> {
  // Answers of an injected runner are not memoised: they are not about this machine.
  if (options.run) return probe(command, options.run, options.timeoutMs ?? 3000);
  const key = `${command}\0${options.timeoutMs ?? 3000}`;
  let pending = detected.get(key);
  if (!pending) {
    pending = probe(command, spawnCommand, options.timeoutMs ?? 3000);
    detected.set(key, pending);
    // An engine that did not answer may be started later: only answers are remembered.
    void pending.then((engine) => {
      if (!engine && detected.get(key) === pending) detected.delete(key);
    });
  }
  return pending;
}

async function probe(command: string, run: CommandRunner, timeoutMs: number): Promise<ContainerEngine | undefined> {
  const ask = (args: string[]) => run(command, args, { timeoutMs }).catch(() => ({ code: 127, stdout: '', stderr: '' }));
  try {
    const [version, buildx, networks] = await Promise.all([
      ask(['version']),
      ask(['buildx', 'version']),
      ask(['network', 'ls', '--format', '{{.Name}}']),
    ]);
    if (version.code !== 0) return undefined;
    const text = `${version.stdout}\n${version.stderr}`;
    const kind: ContainerEngine['kind'] = /podman/i.test(text) ? 'podman' : 'docker';
    const serverVersion = parseServerVersion(version.stdout, kind);
    if (serverVersion === undefined) return undefined;
    const names =
      networks.code === 0
        ? networks.stdout
            .split('\n')
            .map((line) => line.trim())
            .filter(Boolean)
        : undefined;
    return {
      command,
      kind,
      version: serverVersion,
      buildx: buildx.code === 0,
      ...(names ? { bridgeNetwork: names.includes(kind === 'podman' ? 'podman' : 'bridge') } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * The engine's version from `<command> version`: Docker prints a `Server:` section (absent, with a
 * non-zero exit, when the daemon does not answer); Podman prints its own version (a `Server:`
 * section too when it talks to a remote service).
 */
export function parseServerVersion(stdout: string, kind: ContainerEngine['kind']): string | undefined {
  const server = stdout.search(/^Server:/m);
  const section = server >= 0 ? stdout.slice(server) : kind === 'podman' ? stdout : undefined;
  if (section === undefined) return undefined;
  return /^\s*Version:\s*(\S+)/m.exec(section)?.[1];
}
