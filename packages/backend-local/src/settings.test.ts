import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExperimentError, experimentSchemaFor, loadExperiment } from '@mxn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { localSettingsSchema } from './settings.js';

const schema = experimentSchemaFor({ local: localSettingsSchema });
let file: string;

const experiment = (compute: string) => `name: local
datasets: [{ name: a, train: data/a.parquet }]
models: [{ name: m, image: ghcr.io/team/m:1, command: [node, train.js] }]
evaluation: { target: y }
compute:
${compute}`;

async function problems(compute: string): Promise<string[]> {
  await writeFile(file, experiment(compute));
  const error = await loadExperiment(file, { checkData: false, schema }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ExperimentError);
  const shown = path.relative(process.cwd(), file);
  return (error as ExperimentError).message.split('\n').map((line) => line.replace(`${shown}:`, ''));
}

beforeAll(async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'mxn-local-schema-'));
  await mkdir(path.join(root, 'experiments'));
  file = path.join(root, 'experiments/local.yaml');
});

describe('local settings in an experiment file', () => {
  it('accepts runtime, network and workingDirectory, with backend: local or no backend at all', async () => {
    for (const backend of ['  backend: local\n', '']) {
      await writeFile(file, experiment(`${backend}  concurrency: 2\n  runtime: container\n  network: true\n  workingDirectory: task\n`));
      const loaded = await loadExperiment(file, { checkData: false, schema });
      expect(loaded.spec.compute).toEqual({
        backend: 'local',
        concurrency: 2,
        retries: 1,
        timeout: '30m',
        runtime: 'container',
        network: true,
        workingDirectory: 'task',
      });
    }
  });

  it('points a misspelt setting at its line and column with a did-you-mean', async () => {
    expect(await problems('  backend: local\n  runtme: process\n')).toEqual([
      '7:3: unknown key "runtme" in compute; did you mean "runtime"?',
    ]);
    expect(await problems('  netwrk: true\n')).toEqual(['6:3: unknown key "netwrk" in compute; did you mean "network"?']);
  });

  it('refuses a runtime that is none, and local settings under another backend', async () => {
    expect(await problems('  runtime: docker\n')).toEqual([
      '6:12: compute.runtime: unknown runtime "docker"; expected one of: container, process',
    ]);
    expect(await problems('  runtime: proces\n')).toEqual(['6:12: compute.runtime: unknown runtime "proces"; did you mean "process"?']);
    expect(await problems('  backend: azure-batch\n  runtime: process\n')).toEqual([
      '7:3: unknown key "runtime" in compute; runtime is a setting of backend local, and compute.backend is azure-batch',
    ]);
  });

  it('refuses local settings under aws-batch too', async () => {
    expect(await problems('  backend: aws-batch\n  network: true\n')).toEqual([
      '7:3: unknown key "network" in compute; network is a setting of backend local, and compute.backend is aws-batch',
    ]);
  });
});
