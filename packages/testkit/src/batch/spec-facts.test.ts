import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SPEC_PATH, OPERATIONS, deriveSpecFactsFromFile } from './derive-spec-facts.js';
import { jobHandlers } from './handlers-jobs.js';
import { poolHandlers } from './handlers-pools.js';
import { taskHandlers } from './handlers-tasks.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..', '..');
const specPath = resolve(repoRoot, DEFAULT_SPEC_PATH);
const kept = JSON.parse(readFileSync(join(here, 'spec-facts.json'), 'utf8'));

describe('Batch spec facts', () => {
  const present = existsSync(specPath);
  if (!present) console.info(`spec-facts: ${specPath} is absent (a fresh clone has no ../shared); skipping the re-derivation check.`);

  it.skipIf(!present)('match what derive-spec-facts.ts derives from the official API description', () => {
    expect(deriveSpecFactsFromFile(specPath)).toEqual(kept);
  });

  it('cover every operation the service implements, and nothing it does not', () => {
    const implemented = Object.keys({ ...poolHandlers, ...jobHandlers, ...taskHandlers }).sort();
    expect(implemented).toEqual([...OPERATIONS].sort());
    expect(Object.keys(kept.operations).sort()).toEqual(implemented);
    expect(kept.apiVersion).toBe('2022-10-01.16.0');
  });
});
