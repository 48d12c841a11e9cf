/**
 * A hostile experiment file (a pull request's) is one clear `file:line` problem for that file: its
 * paths stay in the project, its ids stay safe, its grid is bounded before it is expanded, and a
 * YAML bomb or an oversized file fails alone.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { experimentError } from '../test-support/experiment-error.js';
import { planExperiment } from '../plan/plan.js';
import { linearTable, testProject, type TestProject } from '../test-support/project.js';
import { loadExperiment } from './load-experiment.js';
import { MAX_EXPERIMENT_BYTES } from './experiment-text.js';

const header = (datasets: string, models = '  - { name: m, build: models/m, command: [node, train.js] }\n') =>
  `name: hostile\ndatasets:\n${datasets}models:\n${models}evaluation: { target: y }\n`;

async function project(): Promise<TestProject> {
  const made = await testProject();
  await made.writeTable('data/a.parquet', linearTable(8));
  await made.write('models/m/train.js', '// m');
  return made;
}

/** The problems of loading `text` as experiments/x.yaml, without the file name (so two projects compare). */
async function problems(made: TestProject, text: string, options: { checkData?: boolean; untrusted?: boolean } = {}): Promise<string[]> {
  const file = await made.write('experiments/x.yaml', text);
  const error = await experimentError(loadExperiment(file, options));
  return error.issues.map((issue) => `${issue.line}:${issue.column}: ${issue.message}`);
}

describe('paths in an experiment file stay inside the project', () => {
  it('refuses absolute paths, ".." out of the root and symlinks out, the same whether the outside place exists or not', async () => {
    const withTarget = await project();
    const withoutTarget = await project();
    // data/out leads to /etc in one project and to a place that does not exist in the other
    await symlink('/etc', path.join(withTarget.root, 'data', 'out'));
    await symlink('/no/such/place/anywhere', path.join(withoutTarget.root, 'data', 'out'));
    // ../outside.parquet exists next to one project only
    await writeFile(path.join(withTarget.root, '..', `${path.basename(withTarget.root)}-outside.parquet`), 'x');
    const cases = (root: string) =>
      header(
        [
          '  - { name: abs, train: /etc/passwd }',
          `  - { name: up, train: ../${path.basename(root)}-outside.parquet }`,
          '  - { name: link, train: data/out }',
          '  - { name: linkfile, train: data/out/passwd }',
          '  - { name: globbed, train: "data/out/*.parquet" }',
          '  - { name: upglob, train: "data/*/../../x.parquet" }',
          '  - { name: url, train: "file:///etc/passwd" }',
          '',
        ].join('\n'),
      );
    const found = await problems(withTarget, cases(withTarget.root), { untrusted: true });
    const missing = await problems(withoutTarget, cases(withoutTarget.root), { untrusted: true });
    expect(found.map((line) => line.replace(path.basename(withTarget.root), 'P'))).toEqual(
      missing.map((line) => line.replace(path.basename(withoutTarget.root), 'P')),
    );
    expect(found).toHaveLength(7);
    expect(found[0]).toBe(
      '3:25: /etc/passwd is outside the project; use a path relative to the project root ' +
        '(no leading "/", no ".." above it, no symlink out of it) or an s3:// / az:// URI',
    );
    expect(found.slice(1, 5).every((line) => line.includes(' is outside the project; '))).toBe(true);
    expect(found[5]).toMatch(/^8:\d+: data\/\*\/\.\.\/\.\.\/x\.parquet has "\.\." after a wildcard/);
    // nothing about what is there: no "cannot open", no "not a parquet file", no listing
    expect(found.join('\n')).not.toMatch(/passwd is not|cannot open|no parquet file|columns|ENOENT|EACCES/);
  });

  it('follows symlinks that stay inside, and refuses `build: /`, absolute builds and build links out before hashing anything', async () => {
    const made = await project();
    await symlink(path.join(made.root, 'data'), path.join(made.root, 'inside'));
    await symlink('..', path.join(made.root, 'models', 'up'));
    await symlink('/', path.join(made.root, 'models', 'root'));
    const ok = await loadExperiment(
      await made.write(
        'experiments/ok.yaml',
        header('  - { name: a, train: inside/a.parquet }\n', '  - { name: m, build: models/m, command: [x] }\n'),
      ),
      { untrusted: true },
    );
    expect(ok.datasets[0]!.rows).toBe(8);

    const started = Date.now();
    const lines = await problems(
      made,
      header(
        '  - { name: a, train: data/a.parquet }\n',
        ['/', '/tmp', '..', 'models/root', 'models/up/..', 'models/../../x']
          .map((build, index) => `  - { name: m${index}, build: "${build}", command: [x] }\n`)
          .join(''),
      ),
      { untrusted: true },
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(line).toMatch(/^\d+:\d+: build folder .* is outside the project; /);

    // A plan of a file that names `/` anyway (loaded otherwise) refuses it instead of hashing the filesystem.
    ok.spec.models[0]!.build = '/';
    await expect(planExperiment(ok)).rejects.toThrow(/build: \/ is outside the project/);
  });

  it('refuses an experiment file that is a symlink out of the project, whether its target exists or not', async () => {
    const made = await project();
    await mkdir(path.join(made.root, 'experiments'), { recursive: true });
    for (const target of ['/etc/passwd', '/no/such/file.yaml']) {
      const file = path.join(made.root, 'experiments', `${path.basename(target)}.yaml`);
      await symlink(target, file);
      await expect(loadExperiment(file, { untrusted: true })).rejects.toThrow(
        /:1:1: the experiment file leads outside the project \(a symlink\)/,
      );
    }
  });

  it('lets trusted input link a folder in from elsewhere, which untrusted input may not', async () => {
    const elsewhere = await project();
    const made = await project();
    await symlink(path.join(elsewhere.root, 'data'), path.join(made.root, 'linked'));
    const text = header('  - { name: a, train: linked/a.parquet }\n');
    const file = await made.write('experiments/linked.yaml', text);
    expect((await loadExperiment(file)).datasets[0]!.rows).toBe(8);
    expect(await problems(made, text, { untrusted: true })).toEqual([
      expect.stringMatching(/^3:23: linked\/a\.parquet is outside the project; /),
    ]);
    // absolute paths and ".." above the root are refused either way
    expect(await problems(made, header('  - { name: a, train: ../x/a.parquet }\n'))).toEqual([
      expect.stringMatching(/^3:23: \.\.\/x\/a\.parquet is outside the project; /),
    ]);
  });
});

describe('names, variant and cell ids', () => {
  it('refuses model and dataset names with ".." or "/" at their line', async () => {
    const made = await project();
    const lines = await problems(
      made,
      header('  - { name: "a/b", train: data/a.parquet }\n', '  - { name: "m..x", build: models/m, command: [x] }\n'),
      { checkData: false },
    );
    expect(lines).toEqual([
      expect.stringMatching(/^3:13: datasets\[0\]\.name: dataset names use letters, digits.*no "\.\."\)$/),
      expect.stringMatching(/^5:13: models\[0\]\.name: model names use letters, digits.*no "\.\."\)$/),
    ]);
  });

  it('refuses params that make two variants of one name, and a param that contains itself', async () => {
    const made = await project();
    const lines = await problems(
      made,
      header(
        '  - { name: a, train: data/a.parquet }\n',
        '  - { name: m, build: models/m, command: [x], params: { k: [1, "1"] } }\n' +
          '  - { name: n, build: models/m, command: [x], params: { loop: &self [1, *self] } }\n',
      ),
    );
    expect(lines).toEqual([
      '5:55: two variants are named m[k=1] (e.g. 1 and "1"); make the values of the lists distinct',
      '6:69: params.loop contains itself (a YAML alias of its own anchor); write it out',
    ]);
  });
});

describe('grid size', () => {
  it('refuses a seven-parameter grid at once, from the lengths of its lists', async () => {
    const made = await project();
    const list = `[${Array.from({ length: 10 }, (_, i) => i).join(', ')}]`;
    const params = Array.from({ length: 7 }, (_, i) => `p${i}: ${list}`).join(', ');
    const started = Date.now();
    const lines = await problems(
      made,
      header('  - { name: a, train: data/a.parquet }\n', `  - { name: m, build: models/m, command: [x], params: { ${params} } }\n`),
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(lines).toEqual([
      '5:55: the grid makes 10000000 cells (10000000 variants × 1 datasets), more than compute.maxCells (10000); ' +
        'shorten the params lists of models[0] or raise compute.maxCells',
    ]);
  });

  it('plans 100k cells (compute.maxCells raised) in linear time, with --only and a cache lookup', async () => {
    const made = await project();
    const text = `${header(
      '  - { name: a, train: data/a.parquet }\n',
      `  - { name: m, build: models/m, command: [x], params: { i: [${Array.from({ length: 1000 }, (_, i) => i)}], ` +
        `j: [${Array.from({ length: 100 }, (_, i) => i)}] } }\n`,
    )}compute: { maxCells: 100000 }\n`;
    const loaded = await loadExperiment(await made.write('experiments/big.yaml', text));
    let looked = 0;
    const started = Date.now();
    const plan = await planExperiment(loaded, {
      only: [{ model: 'm' }, { dataset: 'a' }],
      lookup: async (keys) => {
        looked = keys.length;
        return new Map();
      },
    });
    const elapsed = Date.now() - started;
    expect(plan.cells).toHaveLength(100_000);
    expect(plan.variants).toHaveLength(100_000);
    expect(looked).toBe(100_000);
    expect(plan.cells[0]!.id).toBe('m[i=0,j=0]@a');
    // linear: about 2 s on an idle machine (hashing 100k keys); the quadratic filter it replaces took over a minute
    expect(elapsed).toBeLessThan(15_000);
  });
});

describe('the experiment file itself', () => {
  it('turns a billion-laughs file into one problem for that file, quickly', async () => {
    const made = await project();
    let text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let level = 1; level < 9; level++) {
      const name = String.fromCharCode(97 + level);
      const previous = String.fromCharCode(96 + level);
      text += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]\n`;
    }
    const started = Date.now();
    expect(await problems(made, text)).toEqual([
      '1:1: YAML: aliases expand more than 100 times (a resource-exhaustion pattern); write the values out',
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a file over 1 MiB and nesting too deep, each as one problem', async () => {
    const made = await project();
    const big = `${header('  - { name: a, train: data/a.parquet }\n')}description: "${'x'.repeat(MAX_EXPERIMENT_BYTES)}"\n`;
    expect(await problems(made, big)).toEqual([
      `1:1: the experiment file has ${Buffer.byteLength(big)} bytes, more than the 1048576 an experiment file may have`,
    ]);
    const deep = await problems(made, `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(deep.length).toBeGreaterThan(0);
    expect(deep[0]).toMatch(/^\d+:\d+: YAML: /);
  });
});
