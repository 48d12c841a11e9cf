import { parseRuntime, type Rerun } from '@mxn/core';
import { MxnError } from '@mxn/errors';
import { exitCodeOfOutcome, openExperiment, parseOnlyFlags, type RunEvent } from '@mxn/engine';
import { renderTextTable } from '@mxn/report';
import { onePositional, parse } from '../args.js';
import { cachedFailures } from '../format/plan-view.js';
import type { CommandContext } from '../main.js';
import { bold, red, type Output } from '../output.js';
import { createProgress } from '../progress/index.js';
import { help } from './validate.js';

const runHelp = `usage: mxn run <experiment.yaml> [options]

Runs every cell that is not cached, then the aggregate step, and writes
results/<experiment>/{results.json,summary.md,report.html}.

  --only model=NAME,dataset=NAME   run only matching cells (repeatable; model=a,dataset=x,dataset=y: a on x or y)
  --rerun failed|all               run cached failures again, or everything
  --concurrency N                  cells at once (default: compute.concurrency, else the cores)
  --backend NAME                   override compute.backend (local, azure-batch, aws-batch)
  --runtime container|process      local backend: run cells in their images (container) or as processes
                                   on this machine, for trusted code (default: compute.runtime, else
                                   container when Docker or Podman answers, else process)
  --staging URI                    store for staged inputs, outputs and the cache (default: compute.staging, \
MXN_STAGING, the backend's, else .mxn)
  --outputs URI                    also copy results and cell outputs there (default: the experiment's outputs)
  --out DIR                        results folder (default: results/<experiment> under the project root)
  --baseline REF                   compare in summary.md with, the first that matches: previous (the last
                                   run), a run in results/<experiment>/runs (record name, or a run id
                                   only one kept run has), a results.json, or a git ref (e.g. main);
                                   of the same experiment, task and target only
  --verbose                        one cell only: show the model's output as it runs
  --json                           print the results as JSON instead of tables
  --cancel                         stop this experiment's run on a cloud backend (from any machine)

A failed attempt shows the last lines of its stderr; mxn logs prints a cell's whole output.
Exit code (of the selected cells): 0 all succeeded or cached, 1 a cell failed, 2 invalid input, 130 cancelled.`;

export function parseRerun(value: string | undefined): Rerun {
  if (value === undefined) return 'none';
  if (value === 'failed' || value === 'all') return value;
  throw new MxnError('Usage', `--rerun expects "failed" or "all", got "${value}"`);
}

export async function runCommand(argv: string[], output: Output, context: CommandContext = { verbose: false }): Promise<number> {
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
  const only = parseOnlyFlags(values.only);

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
      ...(values.baseline ? { baseline: values.baseline } : {}),
      ...(context.verbose ? { onOutput: (_taskId: string, _stream: string, text: string) => progress?.note(text, { dim: true }) } : {}),
      onPlan: (plan) => {
        const toRun = plan.cells.filter((cell) => cell.willRun).length;
        const failedCached = cachedFailures(plan);
        const notRun = `${plan.cells.length - toRun - failedCached} cached${failedCached ? `, ${failedCached} failed (cached)` : ''}`;
        output.err.write(
          `${plan.experiment}: ${plan.cells.length} cells (${toRun} to run, ${notRun}) on ${backend.name}` +
            `${backend.name === 'local' ? ` in ${backend.runtime === 'container' ? 'containers' : 'processes'}` : ''}\n`,
        );
        for (const line of backendLines) output.err.write(`  ${line}\n`);
        if (failedCached)
          output.err.write(`  ${failedCached} cached failure${failedCached === 1 ? '' : 's'}: --rerun failed runs them again\n`);
        progress = createProgress({
          total: toRun,
          cached: plan.cells.length - toRun - failedCached,
          cachedFailures: failedCached,
          concurrency: concurrency ?? session.loaded.spec.compute.concurrency,
          stream: output.err,
          isTTY: Boolean(output.err.isTTY),
          color: output.color,
        });
      },
      onEvent: (event) => {
        progress?.onEvent(event);
        const tail = failureTail(event);
        if (tail) progress?.note(tail);
      },
    });
    progress?.finish();
    const { results, written, published } = report;
    if (values.json) output.out.write(`${JSON.stringify(results, null, 2)}\n`);
    else {
      output.out.write(`\n${renderTextTable(results)}\n`);
      const selected = new Set(report.plan.cells.map((cell) => cell.id));
      for (const cell of results.cells.filter((item) => item.status === 'failed' && selected.has(item.id))) {
        const why = cell.infrastructure
          ? ' (infrastructure; the next run retries it)'
          : cell.fromCache
            ? ' (failed (cached); --rerun failed runs it again)'
            : '';
        output.out.write(`${red(output, 'failed')} ${cell.id}: ${(cell.error ?? 'no error text').split('\n')[0]}${why}\n`);
      }
      if (results.aggregate) output.out.write(`aggregate: ${results.aggregate.status} → ${results.aggregate.output}\n`);
      // The run's own cells, as its progress line counted them (with --only, the merged files hold more).
      const { succeeded, cached, failed, cancelled } = report.counts;
      const failedText = report.cachedFailures ? `${failed} failed (${report.cachedFailures} cached)` : `${failed} failed`;
      output.out.write(`${bold(output, `${succeeded} succeeded, ${cached} cached, ${failedText}, ${cancelled} cancelled`)}\n`);
      if (report.cachedFailures) output.out.write('--rerun failed runs the cached failures again; mxn logs shows their output\n');
      output.out.write(`wrote ${written.results}\nwrote ${written.summary}\nwrote ${written.report}\nwrote ${report.record}\n`);
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

/** The stderr tail a failed or retried cell's event carries, indented under its line; shown once per attempt. */
function failureTail(event: RunEvent): string | undefined {
  if (!event.stderrTail || (event.state !== 'failed' && event.state !== 'retrying')) return undefined;
  const lines = event.stderrTail.split('\n');
  return [
    `  stderr of ${event.taskId}, attempt ${event.attempt} (last ${lines.length} lines):`,
    ...lines.map((line) => `  │ ${line}`),
  ].join('\n');
}
