// The scikit-learn example model end to end: the same cells in its image (built from its unchanged
// Dockerfile on the offline python:3.11-slim base) and in the process runtime's virtual environment
// (made from its requirements.txt), with the same metrics, and nothing written into the model folder.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { skipWithoutDocker } from '@mxn/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { e2eProject, repoRoot, type E2eProject } from './support/project.js';

describe.skipIf(skipWithoutDocker())('the Python example model (scikit-learn through mxn_model_kit)', () => {
  let project: E2eProject;
  beforeAll(async () => {
    project = await e2eProject();
  });

  it('gives the same metrics in a container and in the process runtime’s virtual environment', { timeout: 600_000 }, async () => {
    await project.experiment(
      'py',
      `name: py
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: sklearn-gbr, build: models/sklearn-gbr, command: [python, train.py], params: { max_iter: 50 } }
evaluation: { target: price, metrics: [rmse, mae, r2] }
compute: { concurrency: 2, retries: 0, timeout: 10m }
`,
    );
    const before = (await readdir(path.join(repoRoot, 'models/sklearn-gbr'))).sort();
    const env = { PIP_RETRIES: process.env.PIP_RETRIES ?? '0' };
    const inImage = await project.mxn(['run', 'experiments/py.yaml', '--runtime', 'container'], { env });
    expect(inImage.stderr).not.toMatch(/\berror\b/i);
    expect(inImage.code).toBe(0);
    const container = await project.results('py');
    expect(container.runtime).toBe('container');

    const inVenv = await project.mxn(['run', 'experiments/py.yaml', '--runtime', 'process'], { env });
    expect(inVenv.code).toBe(0);
    const processes = await project.results('py');
    expect(processes.runtime).toBe('process');
    expect(await readdir(project.file('.mxn/venvs'))).toHaveLength(1);

    for (const [index, cell] of processes.cells.entries()) {
      const other = container.cells[index]!;
      expect([cell.status, other.status]).toEqual(['succeeded', 'succeeded']);
      expect(cell.metrics.r2).toBeGreaterThan(0.5);
      for (const metric of ['rmse', 'mae', 'r2']) expect(cell.metrics[metric]).toBeCloseTo(other.metrics[metric]!, 6);
      expect(cell.modelMetrics).toMatchObject({ train_rows: expect.any(Number) });
    }
    // No __pycache__, model.pkl or venv in the source tree.
    expect((await readdir(path.join(repoRoot, 'models/sklearn-gbr'))).sort()).toEqual(before);
  });
});
