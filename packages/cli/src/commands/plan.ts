import { parseRuntime, type Rerun } from '@mxn/core';
import { openExperiment, parseOnlyFlags } from '@mxn/engine';
import { onePositional, parse } from '../args.js';
import { planJson, renderPlan } from '../format/plan-view.js';
import type { Output } from '../output.js';
import { help } from './validate.js';
import { parseRerun } from './run.js';

const planHelp = `usage: mxn plan <experiment.yaml> [--only model=NAME,dataset=NAME] [--rerun failed|all] [--backend NAME] \
[--runtime container|process] [--staging URI] [--json]

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
  const runtime = parseRuntime(values.runtime, '--runtime');
  const rerun: Rerun = parseRerun(values.rerun);
  const only = parseOnlyFlags(values.only);
  // The run's backend may name the staging store (and so the cache); a plan looks where the run will.
  // Planning needs no compute, so a backend that cannot be set up here (no credentials) is skipped.
  const session = await openExperiment(onePositional('plan', positionals, 'experiment.yaml'), {
    backendRequired: false,
    ...(values.backend ? { backend: values.backend } : {}),
    ...(runtime ? { runtime } : {}),
    ...(values.staging ? { staging: values.staging } : {}),
  });
  const plan = await session.plan({ rerun, only, countSides: true });
  const backendLines = await session.describe();
  output.out.write(values.json ? `${JSON.stringify(planJson(plan, backendLines), null, 2)}\n` : renderPlan(plan, output, backendLines));
  return 0;
}
