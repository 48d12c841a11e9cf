// End to end in containers: the mxn CLI runs cells in their models' images through the real Docker
// Engine, built from the models' unchanged Dockerfiles on the offline base images the test setup makes.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { runStep } from '@mxn/github';
import { skipWithoutDocker } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eProject, type E2eProject } from './support/project.js';

const experiment = (name: string, models: string, extra = '') => `name: ${name}
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: busan, train: data/housing/busan.parquet }
models:
${models}
evaluation:
  target: price
  metrics: [rmse, mae, r2]
compute: { concurrency: 2, retries: 0, timeout: 3m${extra} }
`;

/** Secrets the runner holds while mxn runs: none may reach a container. */
const secrets = {
  AWS_SECRET_ACCESS_KEY: 'aws-secret-e2e-1',
  INPUT_TOKEN: 'ghs_e2eRunnerToken000000000000000000',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-e2e-request-token',
  AZURE_STORAGE_CONNECTION_STRING: 'AccountKey=e2e-key',
};

// Image builds (each demo Dockerfile runs `npm install`) can take minutes on a loaded machine.
describe.skipIf(skipWithoutDocker())('mxn run in containers', { timeout: 300_000 }, () => {
  let project: E2eProject;
  const docker = (...args: string[]) => spawnSync('docker', args, { encoding: 'utf8' });
  // The demo Dockerfiles run `npm install`: on this daemon (no bridge) build steps use the host's network.
  const env = { MXN_BUILD_NETWORK: 'host', ...secrets };
  beforeAll(async () => {
    project = await e2eProject();
  });

  it(
    'runs the demo models in images built from their unchanged Dockerfiles, ' +
      'with the metrics of the process runtime, and builds nothing the second time',
    async () => {
      await project.experiment(
        'demo-in-images',
        `${experiment(
          'demo-in-images',
          `  - { name: ridge, build: models/ridge, command: [node, train.js], params: { alpha: 1 } }
  - { name: knn, build: models/knn, command: [node, train.js], params: { k: 10 } }`,
        )}aggregate: { build: models/ensemble, command: [node, aggregate.js] }\n`,
      );
      const inImages = await project.mxn(['run', 'experiments/demo-in-images.yaml', '--runtime', 'container'], { env });
      expect(inImages.stderr).not.toMatch(/\berror\b/i);
      expect(inImages.code).toBe(0);
      const container = await project.results('demo-in-images');
      expect(container.runtime).toBe('container');
      expect(container.cells.map((cell) => cell.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
      expect(container.aggregate?.status).toBe('succeeded');

      const asProcesses = await project.mxn(['run', 'experiments/demo-in-images.yaml', '--runtime', 'process'], { env });
      expect(asProcesses.code).toBe(0);
      const processes = await project.results('demo-in-images');
      expect(processes.runtime).toBe('process');
      // Different keys (the runtime is part of them), so both really ran, and the same numbers came out.
      expect(processes.cells.map((cell) => cell.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
      for (const [index, cell] of processes.cells.entries()) {
        expect(cell.key).not.toBe(container.cells[index]!.key);
        expect(cell.metrics).toEqual(container.cells[index]!.metrics);
      }

      const again = await project.mxn(['run', 'experiments/demo-in-images.yaml', '--runtime', 'container'], { env });
      expect(again.code).toBe(0);
      expect((await project.results('demo-in-images')).cells.map((cell) => cell.status)).toEqual(['cached', 'cached', 'cached', 'cached']);
      expect(again.stderr).not.toMatch(/building|built/);
    },
  );

  it('keeps a cell key when its model writes into its working directory, under both runtimes', async () => {
    // It writes into its working directory (a failed write exits 2), then fails for want of predictions (exit 1).
    const dir = await project.model(
      'scribbler',
      `
      const fs = require('node:fs');
      try {
        fs.writeFileSync('model.pkl', 'weights ' + Date.now());
        fs.mkdirSync('__pycache__', { recursive: true });
        fs.writeFileSync('__pycache__/train.cpython-311.pyc', String(Math.random()));
      } catch (error) { console.error('could not write: ' + error.message); process.exit(2); }
      process.exit(1);`,
    );
    await project.experiment(
      'scribbler',
      experiment('scribbler', '  - { name: scribbler, build: models/scribbler, command: [node, train.js] }'),
    );
    for (const runtime of ['container', 'process']) {
      const run = await project.mxn(['run', 'experiments/scribbler.yaml', '--runtime', runtime], { env });
      expect(run.code).toBe(1);
      expect((await project.results('scribbler')).cells.map((cell) => cell.exitCode)).toEqual([1, 1]);
      const plan = await project.mxn(['plan', 'experiments/scribbler.yaml', '--runtime', runtime, '--json'], { env });
      const planned = JSON.parse(plan.stdout) as { runtime: string; toRun: number; cells: Array<{ cachedStatus?: string }> };
      // The failures are stored under the keys the plan computes again, so nothing is due to run.
      expect(planned).toMatchObject({ runtime, toRun: 0 });
      expect(planned.cells.map((cell) => cell.cachedStatus)).toEqual(['failed', 'failed']);
    }
    expect((await readdir(dir)).sort()).toEqual(['Dockerfile', 'train.js']);
  });

  it('never reads a runner file through a link a model leaves in its output folder', async () => {
    const secretFile = project.file('runner-secret.txt');
    await writeFile(secretFile, 'runner-file-secret-42');
    await project.model(
      'linker',
      `
      const fs = require('node:fs');
      const out = process.env.MXN_OUTPUT_DIR;
      for (const name of ['stderr.txt', 'stdout.txt', 'metrics.json', 'predictions.parquet']) {
        fs.rmSync(out + '/' + name, { force: true });
        fs.symlinkSync(${JSON.stringify(secretFile)}, out + '/' + name);
      }
      fs.mkdirSync(out + '/artifacts');
      fs.symlinkSync(${JSON.stringify(secretFile)}, out + '/artifacts/copy.txt');
      process.exit(1);`,
    );
    await project.experiment(
      'linker',
      experiment('linker', '  - { name: linker, build: models/linker, command: [node, train.js] }').replace(/ {2}- \{ name: busan.*\n/, ''),
    );
    const run = await project.mxn(['run', 'experiments/linker.yaml', '--runtime', 'container'], { env });
    expect(run.code).toBe(1);
    const [cell] = (await project.results('linker')).cells;
    expect(cell!.error!.split('\n')[0]).toBe('exit code 1');
    const written = await Promise.all(
      ['results/linker/results.json', 'results/linker/summary.md', 'results/linker/report.html'].map((file) =>
        readFile(project.file(file), 'utf8'),
      ),
    );
    for (const text of [run.stdout, run.stderr, ...written]) expect(text).not.toContain('runner-file-secret-42');
    const output = cell!.output.replace(/^file:\/\//, '');
    const left = await readdir(output, { recursive: true, withFileTypes: true });
    expect(left.filter((entry) => entry.isSymbolicLink())).toEqual([]);
    expect(left.map((entry) => entry.name).sort()).toEqual(['artifacts', 'stderr.txt', 'stdout.txt']);
  });

  it('shows a model nothing of the runner: no held-out labels, no secrets in any /proc/*/environ, no network', async () => {
    const server: Server = createServer((socket) => socket.end('hello')).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const labels = project.file('.mxn/labels');
      await project.model(
        'snoop',
        `
        const fs = require('node:fs');
        const net = require('node:net');
        const found = { labels: fs.existsSync(${JSON.stringify(labels)}), environ: [] };
        for (const pid of fs.readdirSync('/proc').filter((name) => /^\\d+$/.test(name))) {
          try { found.environ.push(fs.readFileSync('/proc/' + pid + '/environ', 'utf8').replace(/\\0/g, ' ')); } catch {}
        }
        try { fs.writeFileSync(process.env.MXN_INPUT_DIR + '/planted', 'x'); found.inputWritable = true; } \
catch { found.inputWritable = false; }
        const socket = net.connect(${port}, '127.0.0.1');
        socket.setTimeout(3000, () => socket.destroy(new Error('timeout')));
        socket.on('data', () => { found.network = true; done(); });
        socket.on('error', (error) => { found.network = false; found.networkError = error.code || error.message; done(); });
        function done() { console.error('FOUND ' + JSON.stringify(found)); process.exit(3); }`,
      );
      const models = '  - { name: snoop, build: models/snoop, command: [node, train.js] }';
      await project.experiment('snoop', experiment('snoop', models).replace(/ {2}- \{ name: busan.*\n/, ''));
      const run = await project.mxn(['run', 'experiments/snoop.yaml', '--runtime', 'container'], { env });
      expect(run.code).toBe(1);
      expect(existsSync(labels)).toBe(true); // they exist on the host, where the harness reads them
      const [cell] = (await project.results('snoop')).cells;
      const found = JSON.parse(/FOUND (.*)/.exec(cell!.error!)![1]!) as {
        labels: boolean;
        environ: string[];
        inputWritable: boolean;
        network: boolean;
      };
      expect(found).toMatchObject({ labels: false, inputWritable: false, network: false });
      expect(found.environ.length).toBeGreaterThan(0);
      expect(found.environ.join(' ')).toContain('MXN_CELL_ID=snoop@seoul');
      for (const value of Object.values(secrets)) expect(JSON.stringify(found)).not.toContain(value);

      await project.experiment('snoop', experiment('snoop', models, ', network: true').replace(/ {2}- \{ name: busan.*\n/, ''));
      await project.mxn(['run', 'experiments/snoop.yaml', '--runtime', 'container', '--rerun', 'all'], { env });
      const [open] = (await project.results('snoop')).cells;
      expect(JSON.parse(/FOUND (.*)/.exec(open!.error!)![1]!)).toMatchObject({ network: true });

      // The same file from a fork's pull request: its containers get no network, whatever it asks.
      const logs: string[] = [];
      const fork = await runStep({
        root: project.root,
        experiment: 'experiments/snoop.yaml',
        rerun: 'all',
        untrusted: true,
        log: (line) => logs.push(line),
      });
      expect(fork.results.runtime).toBe('container');
      expect(JSON.parse(/FOUND (.*)/.exec(fork.results.cells[0]!.error!)![1]!)).toMatchObject({ network: false });
      expect(logs).toContain('note: compute.network is ignored for untrusted code: its containers run with no network');
    } finally {
      server.close();
    }
  });

  it('fails only the cells of a model whose image does not build, with one line and the build log tail', async () => {
    const bad = path.join(project.root, 'models', 'unbuildable');
    await project.model('unbuildable', 'process.exit(0)');
    await writeFile(path.join(bad, 'Dockerfile'), 'FROM node:20-slim\nCOPY no-such-file.txt /model/\n');
    await project.model(
      'fine',
      `
      const fs = require('node:fs');
      const rows = require('node:fs').readdirSync(process.env.MXN_INPUT_DIR);
      fs.writeFileSync(process.env.MXN_OUTPUT_DIR + '/seen.txt', rows.join(','));
      process.exit(0);`,
    );
    await project.experiment(
      'half',
      experiment(
        'half',
        `  - { name: unbuildable, build: models/unbuildable, command: [node, train.js] }
  - { name: fine, build: models/fine, command: [node, train.js] }`,
      ),
    );
    const run = await project.mxn(['run', 'experiments/half.yaml', '--runtime', 'container'], { env });
    expect(run.code).toBe(1);
    const results = await project.results('half');
    const byModel = (model: string) => results.cells.filter((cell) => cell.model === model);
    for (const cell of byModel('unbuildable')) {
      expect(cell.status).toBe('failed');
      expect(cell.attempts).toBeLessThanOrEqual(1);
      expect(cell.error!.split('\n')[0]).toMatch(
        /^the image of models\/unbuildable did not build: docker build of models\/unbuildable failed \(exit \d+\): COPY failed/,
      );
      expect(cell.error).toMatch(/no-such-file\.txt/);
    }
    // The other model ran: it exited 0 without predictions, which the harness reports on its own.
    for (const cell of byModel('fine')) {
      expect(cell.error ?? '').not.toMatch(/did not build/);
      expect(cell).toMatchObject({ attempts: 1, exitCode: 0 }); // it ran, once, and exited 0
    }
    expect(run.stdout.match(/did not build/g)).toHaveLength(2);
  });

  it('stops a container that runs past the timeout, and leaves none behind', async () => {
    await project.model('sleeper', 'setInterval(() => {}, 1000);');
    await project.experiment(
      'sleeper',
      experiment('sleeper', '  - { name: sleeper, build: models/sleeper, command: [node, train.js] }').replace(
        'timeout: 3m',
        'timeout: 3s',
      ),
    );
    const run = await project.mxn(['run', 'experiments/sleeper.yaml', '--runtime', 'container'], { env });
    expect(run.code).toBe(1);
    const results = await project.results('sleeper');
    expect(results.cells.map((cell) => cell.error?.split('\n')[0])).toEqual(['timed out after 3.0s', 'timed out after 3.0s']);
    expect(docker('ps', '--all', '--quiet', '--filter', `label=mxn.run=${results.runId}`).stdout.trim()).toBe('');
  });

  afterAll(() => undefined);
});
