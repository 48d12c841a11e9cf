// `mxn run` and the GitHub run step are two front ends over one engine: the same scenario through
// each gives the same cells, statuses and exit class. Each front end runs in its own fresh project,
// so neither sees the other's cache.
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { EXIT_CODES } from '@mxn/errors';
import { parseCellFilter } from '@mxn/core';
import { runStep } from '@mxn/github';
import type { ExperimentResults } from '@mxn/core';
import { describe, expect, it } from 'vitest';
import { e2eProject, runCli, type E2eProject } from './support/project.js';

// A mean predictor; with `marker` it says it started (a file at that path), and `sleep` keeps it busy.
const model = `import { readTaskInputs, writePredictions } from '@mxn/model-kit';
import { writeFileSync } from 'node:fs';
const params = JSON.parse(process.env.MXN_PARAMS);
const { train, test, target } = await readTaskInputs();
if (params.marker) writeFileSync(params.marker, 'started');
await new Promise((resolve) => setTimeout(resolve, params.sleep ?? 0));
const y = train.columns[target];
let sum = 0;
for (const value of y) sum += value;
await writePredictions(new Float64Array(test.numRows).fill(sum / y.length));
`;

interface Scenario {
  experiment: (project: E2eProject) => string;
  only?: string[];
  /** Stop the run once this file (under the project) exists. */
  cancelWhen?: string;
  setup?: (project: E2eProject) => Promise<void>;
}

interface Outcome {
  exit: number;
  cells: Array<[string, string]>;
  totals: ExperimentResults['totals'];
  published: boolean;
}

async function project(scenario: Scenario): Promise<E2eProject> {
  const created = await e2eProject(['data', 'node_modules']);
  await created.model('mean', model);
  await created.experiment('parity', scenario.experiment(created));
  await scenario.setup?.(created);
  return created;
}

const summarize = (results: ExperimentResults) => ({
  cells: results.cells.map((cell) => [cell.id, cell.status] as [string, string]).sort(),
  totals: results.totals,
});

const publishedIn = async (dir: string) => existsSync(dir) && (await readdir(dir)).includes('results.json');

async function throughCli(scenario: Scenario): Promise<Outcome> {
  const created = await project(scenario);
  const args = ['run', 'experiments/parity.yaml', ...(scenario.only ?? []).flatMap((filter) => ['--only', filter])];
  let timer: NodeJS.Timeout | undefined;
  const result = await runCli(args, created.root, {
    onSpawn: (pid) => {
      if (!scenario.cancelWhen) return;
      const marker = created.file(scenario.cancelWhen);
      timer = setInterval(() => {
        if (!existsSync(marker)) return;
        clearInterval(timer);
        process.kill(pid, 'SIGINT');
      }, 20);
    },
  });
  clearInterval(timer);
  return {
    exit: result.code ?? -1,
    ...summarize(await created.results('parity')),
    published: await publishedIn(created.file('published')),
  };
}

async function throughGitHubStep(scenario: Scenario): Promise<Outcome> {
  const created = await project(scenario);
  const controller = new AbortController();
  const marker = scenario.cancelWhen ? created.file(scenario.cancelWhen) : undefined;
  const timer = marker
    ? setInterval(() => {
        if (!existsSync(marker)) return;
        clearInterval(timer);
        controller.abort();
      }, 20)
    : undefined;
  const report = await runStep({
    root: created.root,
    experiment: 'experiments/parity.yaml',
    ...(scenario.only ? { only: scenario.only.map(parseCellFilter) } : {}),
    signal: controller.signal,
  });
  clearInterval(timer);
  return { exit: EXIT_CODES[report.outcome], ...summarize(report.results), published: await publishedIn(created.file('published')) };
}

const matrix = (project: E2eProject, extra = '') => `name: parity
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - { name: mean, build: models/mean, command: [node, train.js], params: { i: [1, 2] } }
evaluation: { target: price, metrics: [rmse] }
compute: { concurrency: 2, retries: 0 }
outputs: ${project.file('published')}
${extra}`;

describe('mxn run and the GitHub run step share one run flow', () => {
  it('--only: the same cells run, the rest of the matrix comes from the cache, exit 0', async () => {
    const scenario: Scenario = { experiment: (p) => matrix(p), only: ['dataset=seoul'] };
    const [cli, step] = await Promise.all([throughCli(scenario), throughGitHubStep(scenario)]);
    expect(cli).toEqual(step);
    expect(cli.exit).toBe(0);
    expect(cli.cells).toEqual([
      ['mean[i=1]@seoul', 'succeeded'],
      ['mean[i=2]@seoul', 'succeeded'],
    ]);
    expect(cli.published).toBe(true);
  });

  it('a failed publish to outputs: writes the results all the same and is a failure (exit 1)', async () => {
    const scenario: Scenario = {
      experiment: (p) => matrix(p).replace(/^outputs: .*$/m, `outputs: ${p.file('blocker/out')}`),
      only: ['dataset=daegu'],
      setup: (p) => writeFile(p.file('blocker'), 'a file where the outputs folder should be'),
    };
    const [cli, step] = await Promise.all([throughCli(scenario), throughGitHubStep(scenario)]);
    expect(cli).toEqual(step);
    expect(cli.exit).toBe(1);
    expect(cli.totals.succeeded).toBe(2);
  });

  it('a cancel stops the run with exit 130 and publishes nothing', async () => {
    const scenario: Scenario = {
      experiment: (p) =>
        matrix(p)
          .replace('params: { i: [1, 2] }', `params: { sleep: 60000, marker: ${JSON.stringify(p.file('started'))} }`)
          .replace('  - { name: daegu, train: data/housing/daegu.parquet }\n', ''),
      cancelWhen: 'started',
    };
    const [cli, step] = await Promise.all([throughCli(scenario), throughGitHubStep(scenario)]);
    expect(cli).toEqual(step);
    expect(cli.exit).toBe(130);
    expect(cli.cells).toEqual([['mean@seoul', 'cancelled']]);
    expect(cli.totals.cancelled).toBe(1);
    expect(cli.published).toBe(false);
  });
});
