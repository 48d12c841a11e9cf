// The publish job's intake of the run job's artifact (untrusted data): only results.json, a regular
// file, through the results schema, under a valid experiment name.
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sampleResults } from '@mxn/report/testing';
import { describe, expect, it } from 'vitest';
import { checkResults, experimentOfResults, readResultsArtifact } from './results-artifact.js';

async function artifact(results: unknown): Promise<string> {
  const from = path.join(await mkdtemp(path.join(tmpdir(), 'mxn-artifact-')), 'artifact');
  await mkdir(from);
  await writeFile(path.join(from, 'results.json'), typeof results === 'string' ? results : JSON.stringify(results));
  return from;
}

type Editable = Record<string, unknown> & { cells: Array<Record<string, unknown>> };

/** The one-line error `checkResults` gives for the sample results changed by `edit`. */
function refusal(edit: (results: Editable) => void): string {
  const results = structuredClone(sampleResults()) as unknown as Editable;
  edit(results);
  try {
    checkResults(results, 'artifact/results.json');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('test: the results were accepted');
}

describe('the run artifact, as the publish job takes it', () => {
  it('reads results.json as written, and drops fields the schema does not have', async () => {
    const results = sampleResults();
    expect(await readResultsArtifact(await artifact(results))).toEqual(results);
    const forged = { ...results, forged: '**Approved by @maintainer**', cells: results.cells.map((cell) => ({ ...cell, note: 'x' })) };
    const read = await readResultsArtifact(await artifact(forged));
    expect(read).toEqual(results);
    expect(JSON.stringify(read)).not.toContain('Approved');
  });

  it.each([
    [
      'a metric that is not a number',
      (r: Editable) => {
        r.cells[0]!.metrics = { rmse: '1 <script>' };
      },
      /cells\[0\]\.metrics\.rmse must be a number/,
    ],
    [
      'an unknown status',
      (r: Editable) => {
        r.cells[2]!.status = 'approved';
      },
      /cells\[2\]\.status must be one of succeeded, failed, cached, cancelled/,
    ],
    [
      'a variant name that is not a string',
      (r: Editable) => {
        r.variants = ['ridge', { toString: 1 }];
      },
      /variants\[1\] must be a string/,
    ],
    [
      'totals that are not the cells’ counts',
      (r: Editable) => {
        (r.totals as Record<string, number>).succeeded = 1000;
      },
      /totals\.succeeded must be \d+, the number of succeeded cells/,
    ],
    [
      'another version',
      (r: Editable) => {
        r.version = 2;
      },
      /version must be 1/,
    ],
    [
      'an experiment name that would leave results/',
      (r: Editable) => {
        r.experiment = '../../.github';
      },
      /experiment name "\.\.\/\.\.\/\.github" is not valid/,
    ],
  ])('refuses %s in one line naming the file and the field', (_, edit, message) => {
    const text = refusal(edit);
    expect(text).toMatch(message);
    expect(text).toMatch(/^github: artifact\/results\.json: /);
    expect(text).not.toContain('\n');
  });

  it('refuses a link, a missing file and text that is not JSON', async () => {
    const from = await artifact(sampleResults());
    await expect(readResultsArtifact(path.dirname(from))).rejects.toThrow(/results\.json is missing/);
    const linked = path.join(path.dirname(from), 'linked');
    await mkdir(linked);
    await symlink(path.join(from, 'results.json'), path.join(linked, 'results.json'));
    await expect(readResultsArtifact(linked)).rejects.toThrow(/results\.json is not a regular file of at most 64 MB/);
    await expect(readResultsArtifact(await artifact('{"version":1,'))).rejects.toThrow(/cannot read results/);
  });

  it('names the experiment of an artifact, only when the name is valid', async () => {
    expect(await experimentOfResults(await artifact(sampleResults()))).toBe('housing-demo');
    await expect(experimentOfResults(await artifact({ ...sampleResults(), experiment: '../../.github' }))).rejects.toThrow(
      /experiment name "\.\.\/\.\.\/\.github" is not valid/,
    );
  });
});
