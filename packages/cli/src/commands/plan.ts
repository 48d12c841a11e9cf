import { backendPlanOptions, cacheUriOf, cellCache, parseRuntime, loadExperiment, parseCellFilter, planExperiment, type Rerun } from '@mxn/core';
import { createBackend } from '@mxn/backends';
import { openStore } from '@mxn/storage';
import { onePositional, parse } from '../args.js';
import { planJson, renderPlan } from '../format/plan-view.js';
import type { Output } from '../output.js';
import { help } from './validate.js';
import { parseRerun } from './run.js';

export const planHelp = `usage: mxn plan <experiment.yaml> [--only model=NAME,dataset=NAME] [--rerun failed|all] [--backend NAME] [--runtime container|process] [--staging URI] [--json]

Shows the m × n matrix, which cells are cached and what would run.`;

export async function planCommand(argv: string[], output: Output): Promise<number> {
  const { values, positionals } = parse('plan', argv, {
    only: { type: 'string', multiple: true },
    rerun: { type: 'string' },
    json: { type: 'boolean' },
    staging: { type: 'string' },
    backend: { type: 'string' },
    runtime: { type: 'string' },
  });
  if (values.help) return help(output, planHelp);
  const loaded = await loadExperiment(onePositional('plan', positionals, 'experiment.yaml'));
  // The run's backend may name the staging store (and so the cache); a plan must look where the run will.
  // Planning needs no compute, so a backend that cannot be set up here (no credentials) is skipped.
  const runtime = parseRuntime(values.runtime, '--runtime');
  const backend = await createBackend(values.backend ?? loaded.spec.compute.backend, { experiment: loaded, ...(runtime ? { runtime } : {}) }).catch(() => undefined);
  const cacheStore = await openStore(loaded.spec.compute.cache ?? values.staging ?? cacheUriOf(loaded, backend), loaded.root);
  const rerun: Rerun = parseRerun(values.rerun);
  const plan = await planExperiment(loaded, { ...backendPlanOptions(backend), lookup: cellCache(cacheStore).lookup, rerun, only: (values.only ?? []).map(parseCellFilter) });
  output.out.write(values.json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : renderPlan(plan, output));
  return 0;
}
