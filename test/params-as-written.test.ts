// Params arrive as written (issue 12): a Node model and a Python model (through mxn_model_kit, in the
// process runtime's venv) echo what they got; the test compares it with the YAML as written: 1.0 a
// float, 1 an int, 1e-3, true, null, nested lists, number-like strings, and the model's env: settings.
// Fixed params show next to the variant in summary.md and report.html, and a baseline whose fixed
// params differ is flagged rather than compared.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { e2eProject, repoRoot } from './support/project.js';

const nodeModel = `import { mkdirSync, writeFileSync } from 'node:fs';
import { readTaskInputs, writePredictions } from '@mxn/model-kit';
const { train, test, target } = await readTaskInputs();
mkdirSync(process.env.MXN_OUTPUT_DIR, { recursive: true });
const echo = { params: process.env.MXN_PARAMS, omp: process.env.OMP_NUM_THREADS ?? 'unset', mode: process.env.MY_MODE ?? 'unset' };
writeFileSync(process.env.MXN_OUTPUT_DIR + '/metrics.json', JSON.stringify({ echo: JSON.stringify(echo) }));
const y = train.columns[target];
let sum = 0;
for (const value of y) sum += value;
await writePredictions(new Float64Array(test.numRows).fill(sum / y.length));
`;

const pythonModel = `import json, os
from mxn_model_kit import run, write_metrics, write_predictions

def train(task):
    p = task.params
    echo = {key: [type(value).__name__, value] for key, value in p.items()}
    echo["nested.a"] = [type(item).__name__ for item in p["nested"]["a"]]
    echo["omp"] = os.environ.get("OMP_NUM_THREADS", "unset")
    write_metrics(task, {"echo": json.dumps(echo)})
    write_predictions(task, [float(task.y_train.mean())] * len(task.X_test))

run(train)
`;

const PARAMS = `{ max_features: MF, n: 1, tol: 1e-3, big: 1e3, flag: true, none: null, layers: [[64, 32]],
              nested: { a: [1.0, 2], b: "1.0" }, text: "1.0", count: "42" }`;

const experiment = (maxFeatures: string) => `name: fidelity
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
models:
  - name: echo-node
    build: models/echo-node
    command: [node, train.js]
    params: ${PARAMS.replace('MF', maxFeatures)}
    env: { OMP_NUM_THREADS: 1, MY_MODE: "fast" }
  - name: echo-python
    build: models/echo-python
    command: [python, train.py]
    params: ${PARAMS.replace('MF', maxFeatures)}
    env: { OMP_NUM_THREADS: "2" }
evaluation: { target: price, metrics: [rmse] }
compute: { concurrency: 2, retries: 0, timeout: 10m, runtime: process }
`;

describe('params as written, env and fixed params in reports', () => {
  it('gives both models the YAML as written, passes env:, shows fixed params and flags a baseline that differs', {
    timeout: 900_000,
  }, async () => {
    const project = await e2eProject(['node_modules']);
    await mkdir(project.file('data/housing'), { recursive: true });
    await copyFile(path.join(repoRoot, 'data/housing/seoul.parquet'), project.file('data/housing/seoul.parquet'));
    await project.model('echo-node', nodeModel);
    const python = project.file('models/echo-python');
    await mkdir(python, { recursive: true });
    await writeFile(path.join(python, 'train.py'), pythonModel);
    await copyFile(path.join(repoRoot, 'models/sklearn-gbr/requirements.txt'), path.join(python, 'requirements.txt'));
    await writeFile(path.join(python, 'Dockerfile'), 'FROM python:3.11-slim\nWORKDIR /model\nCOPY . .\n');

    await project.experiment('fidelity', experiment('0.5'));
    const first = await project.mxn(['run', 'experiments/fidelity.yaml'], { env: { PIP_RETRIES: process.env.PIP_RETRIES ?? '0' } });
    expect(first.stderr).not.toMatch(/✗/);
    expect(first.code).toBe(0);
    await copyFile(project.file('results/fidelity/results.json'), project.file('baseline.json'));

    await project.experiment('fidelity', experiment('1.0'));
    const second = await project.mxn(['run', 'experiments/fidelity.yaml']);
    expect(second.code).toBe(0);
    const results = await project.results('fidelity');
    const echo = (model: string) => JSON.parse(String(results.cells.find((cell) => cell.model === model)!.modelMetrics!.echo));

    // The Node model gets MXN_PARAMS with the literals as written (1e-3 as the equivalent 0.001).
    const node = echo('echo-node');
    expect(node.params).toBe(
      '{"max_features":1.0,"n":1,"tol":0.001,"big":1000.0,"flag":true,"none":null,"layers":[64,32],' +
        '"nested":{"a":[1.0,2],"b":"1.0"},"text":"1.0","count":"42"}',
    );
    expect([node.omp, node.mode]).toEqual(['1', 'fast']);

    // The Python model gets Python floats for 1.0 and 1e3, an int for 1, strings that stay strings.
    expect(echo('echo-python')).toEqual({
      max_features: ['float', 1],
      n: ['int', 1],
      tol: ['float', 0.001],
      big: ['float', 1000],
      flag: ['bool', true],
      none: ['NoneType', null],
      layers: ['list', [64, 32]],
      nested: ['dict', { a: [1, 2], b: '1.0' }],
      'nested.a': ['float', 'int'],
      text: ['str', '1.0'],
      count: ['str', '42'],
      omp: '2',
    });

    // Results carry the full params, the fixed ones as written and the env.
    const cell = results.cells.find((item) => item.model === 'echo-node')!;
    expect(cell.variant).toBe('echo-node[layers=[64,32]]');
    expect(cell.fixed).toMatchObject({ max_features: '1.0', n: '1', tol: '0.001', text: '1.0' });
    expect(cell.env).toEqual({ OMP_NUM_THREADS: '1', MY_MODE: 'fast' });
    expect(cell.params).toMatchObject({ max_features: 1, n: 1, layers: [64, 32] });

    const summary = await readFile(project.file('results/fidelity/summary.md'), 'utf8');
    expect(summary).toMatch(/\| echo-node\\\[layers=\\\[64,32\\\]\\\] <sub>max\\_features=1\.0, n=1, /);
    expect(summary).toContain('env OMP\\_NUM\\_THREADS=1, MY\\_MODE=fast');
    const html = await readFile(project.file('results/fidelity/report.html'), 'utf8');
    expect(html).toContain('<span class="settings">max_features=1.0, n=1, tol=0.001');

    // Against the first run (max_features 0.5) the variants are other configurations: flagged, not compared.
    const report = await project.mxn(['report', 'results/fidelity/results.json', '--baseline', 'baseline.json']);
    expect(report.code).toBe(0);
    const compared = await readFile(project.file('results/fidelity/summary.md'), 'utf8');
    expect(compared).toMatch(
      /≠ `echo-node\[layers=\[64,32\]\]` runs with other settings than in the baseline: max\\_features 1\.0 \\\(baseline 0\.5\\\)/,
    );
    expect(compared).toContain('≠ settings');
    expect(compared).not.toMatch(/★ [▲▼=]/);
  });
});
