import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExperimentError } from '@mxn/core';
import { describe, expect, it } from 'vitest';
import { backendSettings, experimentJsonSchemaText, loadExperiment } from './experiment-schema.js';

const committed = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../schemas/experiment.schema.json');

type Branch = { properties: Record<string, { description?: string; const?: string }>; required?: string[]; additionalProperties: boolean };

describe('schemas/experiment.schema.json', () => {
  it('is what the zod schema generates (run `npm run schema` after changing the schema)', async () => {
    expect(await readFile(committed, 'utf8')).toBe(experimentJsonSchemaText());
  });

  it('offers completion for the documented keys', () => {
    const schema = JSON.parse(experimentJsonSchemaText()) as { properties: Record<string, unknown>; additionalProperties: boolean };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['name', 'datasets', 'models', 'evaluation', 'aggregate', 'compute']),
    );
    expect(schema.additionalProperties).toBe(false);
  });

  it("describes each backend's own compute keys in the alternative its backend selects", () => {
    const schema = JSON.parse(experimentJsonSchemaText()) as { properties: { compute: { oneOf: Branch[] } } };
    const branches = Object.fromEntries(schema.properties.compute.oneOf.map((branch) => [branch.properties.backend!.const!, branch]));
    expect(Object.keys(branches)).toEqual(['local', 'azure-batch', 'aws-batch']);
    const common = ['backend', 'concurrency', 'retries', 'retryModelFailures', 'timeout', 'staging', 'cache', 'maxCells'];
    expect(Object.keys(branches.local!.properties)).toEqual([...common, 'runtime', 'network', 'workingDirectory']);
    expect(Object.keys(branches['azure-batch']!.properties)).toEqual([
      ...common,
      'pool',
      'autoPool',
      'vmSize',
      'image',
      'nodeAgent',
      'maxNodes',
      'taskSlotsPerNode',
      'spot',
      'workingDirectory',
    ]);
    expect(Object.keys(branches['aws-batch']!.properties)).toEqual([
      ...common,
      'queue',
      'managed',
      'vcpus',
      'memory',
      'gpus',
      'jobRoleArn',
      'executionRoleArn',
    ]);
    for (const branch of Object.values(branches)) {
      expect(branch.additionalProperties).toBe(false);
      for (const [key, property] of Object.entries(branch.properties)) expect(property.description, key).toMatch(/\w/);
    }
    // No backend given: local, the default.
    expect(branches.local!.required ?? []).not.toContain('backend');
    expect(branches['azure-batch']!.required).toContain('backend');
  });
});

describe("loading with every backend's settings", () => {
  it('accepts the experiments of this repository and passes a backend its own settings only', async () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
    const demo = await loadExperiment(path.join(root, 'experiments/housing-demo.yaml'), { checkData: false });
    expect(demo.spec.compute).toMatchObject({ backend: 'local', concurrency: 2 });

    const dir = await mkdtemp(path.join(tmpdir(), 'mxn-schema-'));
    await mkdir(path.join(dir, 'experiments'));
    await mkdir(path.join(dir, 'models/m'), { recursive: true });
    const file = path.join(dir, 'experiments/batch.yaml');
    const text = (compute: string) =>
      `name: batch\ndatasets:\n  - { name: a, train: data/a.parquet }\nmodels:\n` +
      `  - { name: m, build: models/m, command: [node, train.js] }\nevaluation: { target: y }\ncompute: ${compute}\n`;
    await writeFile(
      file,
      text('{ backend: azure-batch, concurrency: 6, maxNodes: 3, vmSize: standard_d4s_v3, spot: true, autoPool: true }'),
    );
    const batch = await loadExperiment(file, { checkData: false });
    expect(backendSettings('azure-batch', batch.spec.compute)).toEqual({
      maxNodes: 3,
      vmSize: 'standard_d4s_v3',
      spot: true,
      autoPool: true,
    });
    // `--backend local` on this file: the local backend gets its defaults, not azure-batch's keys.
    expect(backendSettings('local', batch.spec.compute)).toEqual({});

    await writeFile(file, text('{ runtime: process, network: true }'));
    const local = await loadExperiment(file, { checkData: false });
    expect(backendSettings('local', local.spec.compute)).toEqual({ runtime: 'process', network: true });

    await writeFile(file, text('{ backend: azure-batch, runtime: process }'));
    const error = await loadExperiment(file, { checkData: false }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExperimentError);
    expect((error as ExperimentError).message).toMatch(
      /batch\.yaml:7:34: unknown key "runtime" in compute; runtime is a setting of backend local, and compute\.backend is azure-batch$/,
    );
  });
});

describe('the schema module', () => {
  /** Every cloud SDK module a fresh `node` resolves while it runs `body`. */
  async function sdksLoadedBy(body: string): Promise<string[]> {
    const log = path.join(await mkdtemp(path.join(tmpdir(), 'mxn-sdk-')), 'resolved.txt');
    await writeFile(log, '');
    const hook =
      `import { appendFileSync } from 'node:fs'; ` +
      `export async function resolve(specifier, context, next) { const resolved = await next(specifier, context); ` +
      `if (/node_modules\\/(@azure|@aws-sdk)\\//.test(resolved.url)) appendFileSync(process.env.MXN_SDK_LOG, resolved.url + '\\n'); ` +
      `return resolved; }`;
    const script =
      `import { register } from 'node:module'; ` +
      `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)})); ${body}`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: path.dirname(fileURLToPath(import.meta.url)),
      encoding: 'utf8',
      env: { ...process.env, MXN_SDK_LOG: log },
    });
    expect(child.stderr).toBe('');
    return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  }

  it("loads no cloud SDK: the backends' settings come from their light /settings subpaths", async () => {
    expect(
      await sdksLoadedBy(
        `const { experimentSchema } = await import('@mxn/engine'); ` +
          `experimentSchema.parse({ name: 'x', datasets: [{ name: 'a', train: 'a.parquet' }], ` +
          `models: [{ name: 'm', image: 'm:1', command: ['x'] }], evaluation: { target: 'y' } });`,
      ),
    ).toEqual([]);
    // The check sees an SDK when one is loaded.
    expect((await sdksLoadedBy(`await import('@azure/batch');`)).length).toBeGreaterThan(0);
  });
});
