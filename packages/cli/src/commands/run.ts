import { parseCellFilter, parseRuntime, type Rerun } from '@mxn/core';
import { MxnError } from '@mxn/errors';
import { exitCodeOfOutcome, openExperiment } from '@mxn/engine';
import { readResults, renderTextTable } from '@mxn/report';
import { onePositional, parse } from '../args.js';
import { bold, red, type Output } from '../output.js';
import { createProgress } from '../progress/index.js';
import { help } from './validate.js';

const runHelp = `usage: mxn run <experiment.yaml> [options]

Runs every cell that is not cached, then the aggregate step, and writes
results/<experiment>/{results.json,summary.md,report.html}.

  --only model=NAME,dataset=NAME   run only matching cells (repeatable)
  --rerun failed|all               run cached failures again, or everything
  --concurrency N                  cells at once (default: compute.concurrency, else the cores)
  --backend NAME                   override compute.backend (local, azure-batch)
  --runtime container|process      local backend: run cells in their images (container) or as processes
                                   on this machine, for trusted code (default: compute.runtime, else
                                   container when Docker or Podman answers, else process)
  --staging URI                    store for staged inputs, outputs and the cache (default: compute.staging, \
MXN_STAGING, the backend's, else .mxn)
  --outputs URI                    also copy results and cell outputs there (default: the experiment's outputs)
  --out DIR                        results folder (default: results/<experiment> under the project root)
  --baseline FILE                  compare against another results.json in summary.md
  --json                           print the results as JSON instead of tables
  --cancel                         stop this experiment's run on a cloud backend (from any machine)

Exit code: 0 all cells succeeded or cached, 1 a cell failed, 2 invalid input, 130 cancelled.`;

export function parseRerun(value: string | undefined): Rerun {
  if (value === undefined) return 'none';
  if (value === 'failed' || value === 'all') return value;
  throw new MxnError('Usage', `--rerun expects "failed" or "all", got "${value}"`);
}

export async function runCommand(argv: string[], output: Output): Promise<number> {
  const { values, positionals } = parse('run', argv, {
    only: { type: 'string', multiple: true },
    rerun: { type: 'string' },
    concurrency: { type: 'string' },
    backend: { type: 'string' },
    runtime: { type: 'string' },
    staging: { type: 'string' },
    outputs: { type: 'string' },
    out: { type: 'string' },
    baseline: { type: 'string' },
    json: { type: 'boolean' },
    cancel: { type: 'boolean' },
  });
  if (values.help) return help(output, runHelp);
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0))
    throw new MxnError('Usage', `--concurrency expects a positive whole number, got "${values.concurrency}"`);
  const rerun = parseRerun(values.rerun);
  const only = (values.only ?? []).map(parseCellFilter);
  const baseline = values.baseline ? await readResults(values.baseline) : undefined;

  const runtime = parseRuntime(values.runtime, '--runtime');
  const session = await openExperiment(onePositional('run', positionals, 'experiment.yaml'), {
    ...(values.backend ? { backend: values.backend } : {}),
    ...(runtime ? { runtime } : {}),
    ...(concurrency ? { concurrency } : {}),
    ...(values.staging ? { staging: values.staging } : {}),
    log: (line) => output.err.write(`${line}\n`),
  });
  const backend = session.backend!;
  if (values.cancel) {
    const runId = await session.cancel({ only, rerun });
    output.out.write(`cancelled run ${runId} on ${backend.name}\n`);
    return 0;
  }

  const backendLines = await session.describe();
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    output.err.write('\ncancelling: stopping running cells (Ctrl-C again to quit at once)…\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let progress: ReturnType<typeof createProgress> | undefined;
  try {
    const report = await session.run({
      rerun,
      only,
      signal: controller.signal,
      ...(values.out ? { outDir: values.out } : {}),
      ...(values.outputs ? { outputs: values.outputs } : {}),
      ...(baseline ? { baseline } : {}),
      onPlan: (plan) => {
        const toRun = plan.cells.filter((cell) => cell.willRun).length;
        output.err.write(
          `${plan.experiment}: ${plan.cells.length} cells (${toRun} to run, ${plan.cells.length - toRun} cached) on ${backend.name}` +
            `${backend.name === 'local' ? ` in ${backend.runtime === 'container' ? 'containers' : 'processes'}` : ''}\n`,
        );
        for (const line of backendLines) output.err.write(`  ${line}\n`);
        progress = createProgress({
          total: toRun,
          cached: plan.cells.length - toRun,
          concurrency: concurrency ?? session.loaded.spec.compute.concurrency,
          stream: output.err,
          isTTY: Boolean(output.err.isTTY),
          color: output.color,
        });
      },
      onEvent: (event) => progress?.onEvent(event),
    });
    progress?.finish();
    const { results, written, published } = report;
    if (values.json) output.out.write(`${JSON.stringify(results, null, 2)}\n`);
    else {
      output.out.write(`\n${renderTextTable(results)}\n`);
      for (const cell of results.cells.filter((item) => item.status === 'failed')) {
        const why = cell.infrastructure
          ? ' (infrastructure; the next run retries it)'
          : cell.fromCache
            ? ' (cached; --rerun failed runs it again)'
            : '';
        output.out.write(`${red(output, 'failed')} ${cell.id}: ${(cell.error ?? 'no error text').split('\n')[0]}${why}\n`);
      }
      if (results.aggregate) output.out.write(`aggregate: ${results.aggregate.status} → ${results.aggregate.output}\n`);
      const { succeeded, cached, failed, cancelled } = results.totals;
      output.out.write(`${bold(output, `${succeeded} succeeded, ${cached} cached, ${failed} failed, ${cancelled} cancelled`)}\n`);
      output.out.write(`wrote ${written.results}\nwrote ${written.summary}\nwrote ${written.report}\n`);
      if (published)
        output.out.write(
          `copied results and cell outputs to ${published.uri} (${published.objects} objects, ${published.skipped} unchanged)\n`,
        );
    }
    return exitCodeOfOutcome(report.outcome);
  } finally {
    progress?.finish();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
