import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cellKey } from '../addresses.js';
import { experimentError } from '../test-support/experiment-error.js';
import { canonicalJson, hashValue } from '../plan/hash.js';
import { paramsJson } from '../plan/param-json.js';
import { expandVariants } from '../plan/variants.js';
import { loadExperiment } from './load-experiment.js';

let root: string;

const experiment = (models: string) => `name: demo
datasets:
  - { name: a, train: data/a.parquet }
models:
${models}
evaluation: { target: price }
`;

async function load(models: string) {
  const file = path.join(root, 'experiments', 'x.yaml');
  await writeFile(file, experiment(models));
  return loadExperiment(file, { checkData: false });
}

async function problems(models: string): Promise<string[]> {
  return (await experimentError(load(models))).message.split('\n');
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mxn-params-'));
  await mkdir(path.join(root, 'experiments'));
  await mkdir(path.join(root, 'models', 'm'), { recursive: true });
});

describe('params as written', () => {
  it('keeps floats, ints, exponents, booleans, nulls, nested lists and number-like strings in MXN_PARAMS', async () => {
    const loaded = await load(`  - name: m
    build: models/m
    command: [node, train.js]
    params:
      max_features: 1.0
      n: 1
      tol: 1e-3
      big: 1e3
      huge: 12345678901234567890
      neg: -0.0
      flag: true
      none: null
      layers: [[64, 32]]
      nested: { a: [1.0, 2, 0.5], b: "1.0" }
      text: "1.0"
      hex: 0x10
`);
    const [variant] = expandVariants('m', loaded.spec.models[0]!.params);
    expect(paramsJson(variant!.params)).toBe(
      '{"max_features":1.0,"n":1,"tol":0.001,"big":1000.0,"huge":12345678901234567890,"neg":-0.0,"flag":true,"none":null,' +
        '"layers":[64,32],"nested":{"a":[1.0,2,0.5],"b":"1.0"},"text":"1.0","hex":16}',
    );
    // Python's json reads 1.0 as a float: the literal is what reaches the model.
    expect(variant!.name).toBe('m[layers=[64,32]]');
    expect(variant!.fixed).toMatchObject({ max_features: '1.0', n: '1', text: '1.0', nested: '{"a":[1.0,2,0.5],"b":"1.0"}' });
    // Generic JSON (results.json, the cache) still gets plain numbers.
    expect(JSON.parse(JSON.stringify(variant!.params))).toMatchObject({ max_features: 1, big: 1000 });
  });

  it('names float variants as written, and keys 1.0 apart from 1 while ordinary params keep their keys', async () => {
    const loaded = await load(`  - { name: m, build: models/m, command: [node, train.js], params: { f: [1, 1.0, 0.5] } }
`);
    const names = expandVariants('m', loaded.spec.models[0]!.params).map((variant) => variant.name);
    expect(names).toEqual(['m[f=1]', 'm[f=1.0]', 'm[f=0.5]']);
    const [int, float] = expandVariants('m', loaded.spec.models[0]!.params);
    expect(hashValue(int!.params)).not.toBe(hashValue(float!.params));
    // The key writer is JSON.stringify with sorted keys for every ordinary value, so existing cell keys stay.
    const ordinary = { b: [1, 0.1, 'x', null, true, { z: 1, a: [2] }], a: { 10: 1, 9: 2, c: undefined }, d: new Date(0) };
    const sorted = JSON.stringify(ordinary, (_key, item: unknown) =>
      item && typeof item === 'object' && !Array.isArray(item)
        ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
        : item,
    );
    expect(canonicalJson(ordinary)).toBe(sorted);
  });

  it("keys a model's env: (no env: keeps the key it had)", () => {
    const parts = { inputKey: 'i', image: 'img', runtime: 'process' as const, command: ['node'], params: { k: 1 }, evaluation: {} };
    expect(cellKey({ ...parts, env: {} })).toBe(cellKey(parts));
    expect(cellKey({ ...parts, env: { OMP_NUM_THREADS: '1' } })).not.toBe(cellKey(parts));
    expect(cellKey({ ...parts, env: { OMP_NUM_THREADS: '1' } })).not.toBe(cellKey({ ...parts, env: { OMP_NUM_THREADS: '2' } }));
  });

  it('refuses a grid: form, .inf/.nan, credential-like and invalid env names, one line each with file:line', async () => {
    const lines = await problems(`  - name: m
    build: models/m
    command: [node, train.js]
    params:
      hidden: { grid: [[64], [64, 32]] }
      limit: .inf
    env:
      OMP_NUM_THREADS: 1
      AWS_REGION: eu-west-1
      API_KEY: x
      GH_TOKEN: x
      client_secret: x
      DB_PASSWORD_FILE: x
      AZURE_STORAGE_CONNECTION_STRING: x
      GITHUB_TOKEN: x
      ACTIONS_RUNTIME_TOKEN: x
      MXN_PARAMS: x
      1BAD: x
`);
    expect(lines).toEqual([
      expect.stringMatching(/x\.yaml:9:15: params\.hidden uses a "grid:" form.*write hidden: \[a, b\] for a grid, or hidden: \[\[a, b\]\]/),
      expect.stringMatching(/x\.yaml:10:14: params\.limit holds \.inf, which JSON \(MXN_PARAMS\) cannot carry/),
      expect.stringMatching(/x\.yaml:13:7: env\.AWS_REGION is refused: AWS_\* names carry AWS credentials/),
      expect.stringMatching(/x\.yaml:14:7: env\.API_KEY is refused: the name looks like a credential/),
      expect.stringMatching(/x\.yaml:15:7: env\.GH_TOKEN is refused: the name looks like a credential/),
      expect.stringMatching(/x\.yaml:16:7: env\.client_secret is refused/),
      expect.stringMatching(/x\.yaml:17:7: env\.DB_PASSWORD_FILE is refused/),
      expect.stringMatching(/x\.yaml:18:7: env\.AZURE_STORAGE_CONNECTION_STRING is refused: AZURE_\*/),
      expect.stringMatching(/x\.yaml:19:7: env\.GITHUB_TOKEN is refused: GITHUB_\*/),
      expect.stringMatching(/x\.yaml:20:7: env\.ACTIONS_RUNTIME_TOKEN is refused: ACTIONS_\*/),
      expect.stringMatching(/x\.yaml:21:7: env\.MXN_PARAMS is refused: MXN_\* names are the task protocol/),
      expect.stringMatching(/x\.yaml:22:7: env name "1BAD" is not a valid environment variable name/),
    ]);
  });
});
