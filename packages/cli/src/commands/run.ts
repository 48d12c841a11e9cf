import path from 'node:path';
import { backendPlanOptions, cacheUriOf, cellCache, parseRuntime, loadExperiment, MxnError, parseCellFilter, planExperiment, publishOutputs, readResults, runExperiment, writeResults, type Backend, type CellFilter, type LoadedExperiment, type Rerun, renderTextTable } from '@mxn/core';
import { openStore } from '@mxn/storage';
import { onePositional, parse } from '../args.js';
import { createBackend } from '@mxn/backends';
import { bold, red, type Output } from '../output.js';
import { createProgress } from '../progress/index.js';
import { help } from './validate.js';

export const runHelp = `usage: mxn run <experiment.yaml> [options]

Runs every cell that is not cached, then the aggregate step, and writes
results/<experiment>/{results.json,summary.md,report.html}.

  --only model=NAME,dataset=NAME   run only matching cells (repeatable)
  --rerun failed|all               run cached failures again, or everything
  --concurrency N                  cells at once (default: compute.concurrency, else the cores)
  --backend NAME                   override compute.backend (local, azure-batch)
  --runtime container|process      local backend: run cells in their images (container) or as processes
                                   on this machine, for trusted code (default: compute.runtime, else
                                   container when Docker or Podman answers, else process)
  --staging URI                    store for staged inputs, outputs and the cache (default: compute.staging, MXN_STAGING, the backend's, else .mxn)
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
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) throw new MxnError('Usage', `--concurrency expects a positive whole number, got "${values.concurrency}"`);
  const rerun = parseRerun(values.rerun);
  const only = (values.only ?? []).map(parseCellFilter);
  const baseline = values.baseline ? await readResults(values.baseline) : undefined;

  const loaded = await loadExperiment(onePositional('run', positionals, 'experiment.yaml'));
  const runtime = parseRuntime(values.runtime, '--runtime');
  const backend = await createBackend(values.backend ?? loaded.spec.compute.backend, { concurrency, experiment: loaded, ...(runtime ? { runtime } : {}), log: (line) => output.err.write(`${line}\n`) });
  if (values.cancel) return cancelRun(loaded, backend, only, rerun, output);

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
    const { plan, results } = await runExperiment(loaded, {
      backend,
      ...(values.staging ? { stagingUri: values.staging } : {}),
      rerun,
      only,
      concurrency,
      signal: controller.signal,
      onPlan: (plan) => {
        const toRun = plan.cells.filter((cell) => cell.willRun).length;
        output.err.write(`${plan.experiment}: ${plan.cells.length} cells (${toRun} to run, ${plan.cells.length - toRun} cached) on ${backend.name}${backend.name === 'local' ? ` in ${backend.runtime === 'container' ? 'containers' : 'processes'}` : ''}\n`);
        progress = createProgress({ total: toRun, cached: plan.cells.length - toRun, concurrency: concurrency ?? loaded.spec.compute.concurrency, stream: output.err, isTTY: Boolean(output.err.isTTY), color: output.color });
      },
      onEvent: (event) => progress?.onEvent(event),
    });
    progress?.finish();
    const dir = values.out ?? path.join(loaded.root, 'results', plan.experiment);
    const written = await writeResults(results, dir, { baseline });
    const outputs = values.outputs ?? loaded.spec.outputs;
    const published = outputs ? await publishOutputs(results, written, outputs, { cwd: loaded.root }) : undefined;
    if (values.json) output.out.write(`${JSON.stringify(results, null, 2)}\n`);
    else {
      output.out.write(`\n${renderTextTable(results)}\n`);
      for (const cell of results.cells.filter((item) => item.status === 'failed')) {
        output.out.write(`${red(output, 'failed')} ${cell.id}: ${(cell.error ?? 'no error text').split('\n')[0]}${cell.fromCache ? ' (cached; --rerun failed runs it again)' : ''}\n`);
      }
      if (results.aggregate) output.out.write(`aggregate: ${results.aggregate.status} → ${results.aggregate.output}\n`);
      const { succeeded, cached, failed, cancelled } = results.totals;
      output.out.write(`${bold(output, `${succeeded} succeeded, ${cached} cached, ${failed} failed, ${cancelled} cancelled`)}\n`);
      output.out.write(`wrote ${written.results}\nwrote ${written.summary}\nwrote ${written.report}\n`);
      if (published) output.out.write(`copied results and cell outputs to ${published.uri} (${published.objects} objects, ${published.skipped} unchanged)\n`);
    }
    if (controller.signal.aborted || results.totals.cancelled > 0) return 130;
    return results.totals.failed > 0 || results.aggregate?.status === 'failed' ? 1 : 0;
  } finally {
    progress?.finish();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `--cancel`: stops the run that `mxn run` with the same file and filters started on a backend whose runs outlive the process. */
async function cancelRun(loaded: LoadedExperiment, backend: Backend, only: CellFilter[], rerun: Rerun, output: Output): Promise<number> {
  if (!backend.cancel) throw new MxnError('Usage', `the ${backend.name} backend has no runs to cancel outside this process`, { hint: 'press Ctrl-C in the terminal that runs it' });
  const cacheStore = await openStore(cacheUriOf(loaded, backend), loaded.root);
  const plan = await planExperiment(loaded, { ...backendPlanOptions(backend), lookup: cellCache(cacheStore).lookup, only, rerun });
  await backend.cancel(plan.runId);
  output.out.write(`cancelled run ${plan.runId} on ${backend.name}\n`);
  return 0;
}
