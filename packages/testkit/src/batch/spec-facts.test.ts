import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SPEC_PATH, OPERATIONS, deriveSpecFactsFromFile } from './derive-spec-facts.js';
import { jobHandlers } from './handlers-jobs.js';
import { poolHandlers } from './handlers-pools.js';
import { taskHandlers } from './handlers-tasks.js';
import type { SpecFacts } from './spec-types.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..', '..');
const specPath = resolve(repoRoot, DEFAULT_SPEC_PATH);
const kept = JSON.parse(readFileSync(join(here, 'spec-facts.json'), 'utf8')) as SpecFacts;

describe('Batch spec facts', () => {
  const present = existsSync(specPath);
  if (!present) console.info(`spec-facts: ${specPath} is absent (a fresh clone has no ../shared); skipping the re-derivation check.`);

  it.skipIf(!present)('match what derive-spec-facts.ts derives from the official 2025-06-01 API description', () => {
    expect(deriveSpecFactsFromFile(specPath)).toEqual(kept);
  });

  it('are those of api-version 2025-06-01', () => {
    expect(kept.apiVersion).toBe('2025-06-01');
    expect(DEFAULT_SPEC_PATH).toMatch(/BatchService-2025-06-01\.json$/);
  });

  it('cover every operation the service implements, and nothing it does not, under their 2025 operationIds', () => {
    const implemented = Object.keys({ ...poolHandlers, ...jobHandlers, ...taskHandlers }).sort();
    expect(implemented).toEqual(Object.keys(OPERATIONS).sort());
    expect(Object.keys(kept.operations).sort()).toEqual(implemented);
    for (const [name, operationId] of Object.entries(OPERATIONS)) expect(kept.operations[name]?.operationId).toBe(operationId);
    expect(kept.operations.Account_ListSupportedImages).toMatchObject({
      method: 'GET',
      path: '/supportedimages',
      response: 'BatchAccountListSupportedImagesResult',
    });
    expect(kept.operations.Pool_Add?.body).toBe('BatchPoolCreateOptions');
  });
});
