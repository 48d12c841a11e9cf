import { describe, expect, it } from 'vitest';
import { buildManifest, type RunSpec } from './backend.js';

const task = (id: string) => ({
  id,
  kind: 'cell' as const,
  model: id.split('@')[0]!,
  dataset: id.split('@')[1]!,
  command: ['x'],
  env: {},
  inputPrefix: 'in',
  outputPrefix: `out/${id}`,
});

describe('buildManifest', () => {
  it('lists every cell with how it ended: ran, cached, and cached failures, sorted by id', () => {
    const spec: RunSpec = {
      runId: 'r',
      experiment: 'e',
      stagingUri: 'file:///tmp',
      target: 'price',
      tasks: [task('b@x'), task('a@x')],
      cached: [
        { id: 'c@x', model: 'c', dataset: 'x', outputPrefix: 'out/c' },
        { id: 'd@x', model: 'd', dataset: 'x', outputPrefix: 'out/d', status: 'failed' },
      ],
      limits: { concurrency: 1, retries: 0, timeoutMs: 1000 },
    };
    const manifest = buildManifest(spec, [{ taskId: 'a@x', kind: 'cell', status: 'failed', attempts: 1, durationMs: 1 }]);
    expect(manifest.cells.map((cell) => [cell.id, cell.status, cell.dir])).toEqual([
      ['a@x', 'failed', 'cells/a@x'],
      ['b@x', 'cancelled', 'cells/b@x'],
      ['c@x', 'cached', 'cells/c@x'],
      ['d@x', 'failed', 'cells/d@x'],
    ]);
    expect(manifest).toMatchObject({ version: 1, experiment: 'e', runId: 'r', target: 'price' });
  });
});
