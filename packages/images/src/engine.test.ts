// Which engine answers: Docker (server section of `docker version`), Podman (also behind the
// `docker` shim), nothing (a CLI that is missing, fails, or hangs past the timeout).
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandRunner } from './command-runner.js';
import { detectEngine, parseServerVersion } from './engine.js';

const DOCKER_VERSION = `Client:
 Version:           28.2.2
 API version:       1.41 (downgraded from 1.50)
 Context:           default

Server:
 Engine:
  Version:          20.10.24+dfsg1
  API version:      1.41 (minimum version 1.12)
`;

const PODMAN_VERSION = `Client:       Podman Engine
Version:      4.3.1
API Version:  4.3.1
Go Version:   go1.19.8
`;

/** Answers like an engine would: `answers[args.join(' ')]`, exit 1 for anything else. */
function fake(answers: Record<string, { stdout?: string; stderr?: string }>): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  const run = (async (command: string, args: string[]) => {
    calls.push(`${command} ${args.join(' ')}`);
    const answer = answers[args.join(' ')];
    return answer
      ? { code: 0, stdout: answer.stdout ?? '', stderr: answer.stderr ?? '' }
      : { code: 1, stdout: '', stderr: 'unknown command' };
  }) as CommandRunner & { calls: string[] };
  run.calls = calls;
  return run;
}

describe('detectEngine', () => {
  it('reads the server version; buildx and the bridge network are probed', async () => {
    const run = fake({
      version: { stdout: DOCKER_VERSION },
      'buildx version': { stdout: 'github.com/docker/buildx v0.17.1' },
      'network ls --format {{.Name}}': { stdout: 'bridge\nhost\nnone\n' },
    });
    expect(await detectEngine({ run })).toEqual({
      command: 'docker',
      kind: 'docker',
      version: '20.10.24+dfsg1',
      buildx: true,
      bridgeNetwork: true,
    });
    const bare = fake({ version: { stdout: DOCKER_VERSION }, 'network ls --format {{.Name}}': { stdout: 'host\nnone\n' } });
    expect(await detectEngine({ run: bare })).toEqual({
      command: 'docker',
      kind: 'docker',
      version: '20.10.24+dfsg1',
      buildx: false,
      bridgeNetwork: false,
    });
  });

  it('knows Podman, also behind the docker shim', async () => {
    const shim = fake({
      version: { stdout: PODMAN_VERSION, stderr: 'Emulate Docker CLI using podman. Create /etc/containers/nodocker to quiet msg.\n' },
    });
    expect(await detectEngine({ run: shim })).toMatchObject({ command: 'docker', kind: 'podman', version: '4.3.1', buildx: false });
    expect(await detectEngine({ command: 'podman', run: fake({ version: { stdout: PODMAN_VERSION } }) })).toMatchObject({
      command: 'podman',
      kind: 'podman',
      version: '4.3.1',
    });
  });

  it('MXN_CONTAINER_ENGINE names the CLI; without it docker is asked, then podman', async () => {
    const run = fake({});
    expect(await detectEngine({ run, env: {} })).toBeUndefined();
    expect(run.calls.filter((call) => call.endsWith(' version') && !call.includes('buildx'))).toEqual(['docker version', 'podman version']);
    const named = fake({});
    await detectEngine({ run: named, env: { MXN_CONTAINER_ENGINE: 'nerdctl' } });
    expect(named.calls.every((call) => call.startsWith('nerdctl '))).toBe(true);
  });

  it('a Docker CLI whose daemon does not answer (no server section) is no engine', async () => {
    const run = fake({ version: { stdout: 'Client:\n Version: 28.2.2\n' } });
    expect(await detectEngine({ run })).toBeUndefined();
    expect(parseServerVersion('Client:\n Version: 28.2.2\n', 'docker')).toBeUndefined();
  });

  it('never throws: a missing CLI or one that hangs past the timeout is undefined', async () => {
    expect(await detectEngine({ command: 'no-such-engine-cli' })).toBeUndefined();
    const dir = await mkdtemp(path.join(tmpdir(), 'mxn-slow-engine-'));
    const slow = path.join(dir, 'slow-engine');
    await writeFile(slow, '#!/bin/sh\nsleep 30\n');
    await chmod(slow, 0o755);
    const started = Date.now();
    expect(await detectEngine({ command: slow, timeoutMs: 300 })).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
