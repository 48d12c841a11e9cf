// skipWithoutDocker: no engine skips on a development machine, fails in CI.
import { describe, expect, it } from 'vitest';
import { DockerMissingError, dockerAvailable, dockerAvailableSync, isCi, skipWithoutDocker } from './engine.js';

describe('skipWithoutDocker', () => {
  const missing = () => false;

  it('throws in CI when no engine answers, instead of skipping', () => {
    expect(() => skipWithoutDocker({ available: missing, env: { CI: 'true' } })).toThrow(DockerMissingError);
    expect(() => skipWithoutDocker({ available: missing, env: { CI: '1' } })).toThrow(/no container engine answers in CI/);
  });

  it('skips with one warning line outside CI', () => {
    const warnings: string[] = [];
    const warn = (line: string) => warnings.push(line);
    expect(skipWithoutDocker({ available: missing, env: {}, warn })).toBe(true);
    expect(skipWithoutDocker({ available: missing, env: { CI: 'false' }, warn })).toBe(true);
    expect(skipWithoutDocker({ available: missing, env: { CI: '0' }, warn })).toBe(true);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toContain('scripts/ci-docker.sh');
    expect(warnings[0]).not.toContain('\n');
  });

  it('does not skip when an engine answers, in CI or not', () => {
    const warnings: string[] = [];
    expect(skipWithoutDocker({ available: () => true, env: { CI: 'true' }, warn: (line) => warnings.push(line) })).toBe(false);
    expect(skipWithoutDocker({ available: () => true, env: {}, warn: (line) => warnings.push(line) })).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('reads CI the way skipWithoutRegistry does', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: '' })).toBe(false);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({})).toBe(false);
  });

  it('checks the engine the same way synchronously and asynchronously', async () => {
    expect(await dockerAvailable()).toBe(dockerAvailableSync());
  });
});
