// skipWithoutRegistry: a missing docker-registry skips on a development machine, fails in CI.
import { describe, expect, it } from 'vitest';
import { REGISTRY_BINARY, RegistryMissingError, registryAvailable, skipWithoutRegistry } from './registry.js';

describe('skipWithoutRegistry', () => {
  const missing = '/nonexistent/docker-registry';

  it('throws in CI when the registry binary is missing, instead of skipping', () => {
    expect(() => skipWithoutRegistry({ binary: missing, env: { CI: 'true' } })).toThrow(RegistryMissingError);
    expect(() => skipWithoutRegistry({ binary: missing, env: { CI: '1' } })).toThrow(/missing in CI/);
  });

  it('skips with a warning outside CI, and does not skip when the binary exists', () => {
    const warnings: string[] = [];
    expect(skipWithoutRegistry({ binary: missing, env: {}, warn: (line) => warnings.push(line) })).toBe(true);
    expect(skipWithoutRegistry({ binary: missing, env: { CI: 'false' }, warn: (line) => warnings.push(line) })).toBe(true);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('apt-get install -y docker-registry');
    if (registryAvailable()) expect(skipWithoutRegistry({ binary: REGISTRY_BINARY, env: { CI: 'true' } })).toBe(false);
  });
});
