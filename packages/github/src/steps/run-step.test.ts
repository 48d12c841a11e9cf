// The run step copies the results and every cell's outputs to the experiment's `outputs:` store,
// as `mxn run` does.
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { git } from '@mxn/testkit';
import { describe, expect, it } from 'vitest';
import { runStep } from './run-step.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

describe('runStep with `outputs:`', () => {
  it('copies results.json, summary.md, report.html and each cell’s outputs there, and logs it', { timeout: 60_000 }, async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mxn-run-outputs-'));
    for (const link of ['models', 'data', 'node_modules']) await symlink(path.join(repoRoot, link), path.join(root, link));
    await mkdir(path.join(root, 'experiments'));
    const outputs = path.join(await mkdtemp(path.join(tmpdir(), 'mxn-published-')), 'housing');
    await writeFile(
      path.join(root, 'experiments/published.yaml'),
      `name: published
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: busan, train: data/housing/busan.parquet }
models:
  - { name: ridge, build: models/ridge, command: [node, train.js], params: { alpha: 1 } }
evaluation: { target: price, metrics: [rmse] }
compute: { concurrency: 2, retries: 0, timeout: 2m, staging: .mxn-staging }
outputs: ${outputs}
`,
    );
    const logs: string[] = [];
    const result = await runStep({ root, experiment: 'experiments/published.yaml', backend: 'local', log: (line) => logs.push(line) });
    expect(result.results.totals.succeeded).toBe(2);
    expect(result.publishError).toBeUndefined();
    for (const file of ['results.json', 'summary.md', 'report.html']) expect(existsSync(path.join(outputs, file)), file).toBe(true);
    expect(JSON.parse(await readFile(path.join(outputs, 'results.json'), 'utf8'))).toMatchObject({ experiment: 'published' });
    for (const cell of result.results.cells)
      expect(existsSync(path.join(outputs, 'cells', cell.id, 'predictions.parquet')), cell.id).toBe(true);
    expect(result.published?.objects).toBeGreaterThanOrEqual(5);
    expect(logs.at(-1)).toMatch(
      new RegExp(`^copied results and cell outputs to .*housing: ${result.published!.objects} objects \\(.+\\), 0 unchanged$`),
    );

    // without `outputs:`, nothing is published
    const text = await readFile(path.join(root, 'experiments/published.yaml'), 'utf8');
    await writeFile(
      path.join(root, 'experiments/plain.yaml'),
      text.replace('name: published', 'name: plain').replace(/^outputs: .*\n/m, ''),
    );
    const plainLogs: string[] = [];
    const plain = await runStep({ root, experiment: 'experiments/plain.yaml', backend: 'local', log: (line) => plainLogs.push(line) });
    expect(plain.published).toBeUndefined();
    expect(plainLogs.join('\n')).not.toContain('copied results');
  });
});

/** Writes `experiments/<name>.yaml` in `root`: ridge on seoul's housing data, then `rest` (evaluation, compute). */
async function seoulRidge(root: string, name: string, rest: string): Promise<void> {
  await mkdir(path.join(root, 'experiments'), { recursive: true });
  await writeFile(
    path.join(root, `experiments/${name}.yaml`),
    `name: ${name}
datasets: [{ name: seoul, train: data/housing/seoul.parquet }]
models: [{ name: ridge, build: models/ridge, command: [node, train.js] }]
${rest}`,
  );
}

describe('runStep for a pull request from a fork', () => {
  it('refuses the process runtime before anything runs, even when the experiment asks for it', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mxn-run-fork-'));
    // a fork's checkout holds its files: for untrusted input a path through a symlink out of the project is refused
    for (const folder of ['models/ridge', 'data/housing'])
      await cp(path.join(repoRoot, folder), path.join(root, folder), { recursive: true });
    await symlink(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
    await seoulRidge(root, 'forked', 'evaluation: { target: price }\ncompute: { runtime: process }\n');
    await expect(runStep({ root, experiment: 'experiments/forked.yaml', untrusted: true })).rejects.toMatchObject({
      code: 'Usage',
      message: expect.stringMatching(/fork never runs in the process runtime/),
    });
    expect(existsSync(path.join(root, '.mxn'))).toBe(false);
    expect(existsSync(path.join(root, 'results'))).toBe(false);
  });
});

describe('runStep baseline', () => {
  it('compares with the committed results of the same experiment and task only, and logs why it does not otherwise', {
    timeout: 60_000,
  }, async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mxn-run-baseline-'));
    for (const link of ['models', 'data', 'node_modules']) await symlink(path.join(repoRoot, link), path.join(root, link));
    await seoulRidge(root, 'compared', 'evaluation: { target: price, metrics: [rmse] }\ncompute: { retries: 0, staging: .mxn-staging }\n');
    git(root, 'init', '--quiet', '--initial-branch=main');
    // the branch holds results of this experiment for another task: not compared, and the log says why
    const first = await runStep({ root, experiment: 'experiments/compared.yaml', backend: 'local' });
    const results = path.join(root, 'results/compared/results.json');
    await writeFile(results, JSON.stringify({ ...first.results, evaluation: { ...first.results.evaluation, task: 'classification' } }));
    git(root, 'add', 'results/compared/results.json');
    git(root, 'commit', '--quiet', '-m', 'results');
    const logs: string[] = [];
    await runStep({ root, experiment: 'experiments/compared.yaml', backend: 'local', log: (line) => logs.push(line) });
    expect(logs).toContain(
      'not compared with HEAD:results/compared/results.json: it is a run of experiment "compared" (classification of price), ' +
        'not of experiment "compared" (regression of price)',
    );
    expect(await readFile(path.join(root, 'results/compared/summary.md'), 'utf8')).not.toContain('Compared with run');

    // the same task: compared
    git(root, 'commit', '--quiet', '-am', 'results of this task');
    const again: string[] = [];
    await runStep({ root, experiment: 'experiments/compared.yaml', backend: 'local', log: (line) => again.push(line) });
    expect(again.join('\n')).not.toContain('not compared');
    expect(await readFile(path.join(root, 'results/compared/summary.md'), 'utf8')).toContain('Compared with run');
  });
});
