import { parseRuntime } from '@mxn/core';
import { openExperiment, parseOnly } from '@mxn/engine';
import { MxnError } from '@mxn/errors';
import { parse } from '../args.js';
import { bold, type Output } from '../output.js';
import { help } from './validate.js';

const logsHelp = `usage: mxn logs <experiment.yaml> <cell-id | model=NAME,dataset=NAME> [--attempt N] [options]

Prints a cell's stdout and stderr from wherever its run kept them (the staging store: the local task
folders, or the blobs Azure Batch tasks upload). The last attempt's by default.

  --attempt N                      an earlier attempt of a retried cell
  --backend NAME                   the backend the run used, when not compute.backend (it names the staging store)
  --runtime container|process      local backend: the runtime the run used (part of every cell key)
  --staging URI                    the staging store the run used`;

export async function logsCommand(argv: string[], output: Output): Promise<number> {
  const { values, positionals } = parse('logs', argv, {
    attempt: { type: 'string' },
    backend: { type: 'string' },
    runtime: { type: 'string' },
    staging: { type: 'string' },
  });
  if (values.help) return help(output, logsHelp);
  if (positionals.length !== 2)
    throw new MxnError('Usage', `mxn logs: expected an experiment file and a cell, got ${positionals.length} arguments`, {
      hint: 'usage: mxn logs <experiment.yaml> <cell-id | model=NAME,dataset=NAME> [--attempt N]',
    });
  const [file, cell] = positionals as [string, string];
  const attempt = values.attempt === undefined ? undefined : Number(values.attempt);
  if (attempt !== undefined && !(Number.isInteger(attempt) && attempt > 0))
    throw new MxnError('Usage', `--attempt expects a positive whole number, got "${values.attempt}"`);
  const runtime = parseRuntime(values.runtime, '--runtime');
  const session = await openExperiment(file, {
    backendRequired: false,
    ...(values.backend ? { backend: values.backend } : {}),
    ...(runtime ? { runtime } : {}),
    ...(values.staging ? { staging: values.staging } : {}),
  });
  const byFilter = /^(model|dataset)=/.test(cell);
  const plan = await session.plan(byFilter ? { only: parseOnly(cell) } : {});
  const chosen = byFilter ? plan.cells : plan.cells.filter((item) => item.id === cell);
  if (chosen.length === 0)
    throw new MxnError('Usage', `mxn logs: ${session.loaded.spec.name} has no cell "${cell}"`, {
      hint: `cells: ${plan.cells
        .slice(0, 6)
        .map((item) => item.id)
        .join(', ')}${plan.cells.length > 6 ? ', …' : ''}; or pass model=NAME,dataset=NAME`,
    });
  const only = chosen.map((item) => ({ model: item.variant, dataset: item.dataset }));
  const logs = await session.logs({ only, ...(attempt ? { attempt } : {}) });
  for (const item of logs) {
    const status = item.status ? `${item.status}${item.attempt ? `, attempt ${item.attempt} of ${item.attempts}` : ''}` : 'not run yet';
    output.out.write(`${bold(output, `== ${item.id}`)} (${status}) ${item.location}\n`);
    if (item.stdout === undefined && item.stderr === undefined) {
      output.out.write('no logs kept for this cell\n');
      continue;
    }
    output.out.write(`-- stdout\n${withNewline(item.stdout ?? '')}-- stderr\n${withNewline(item.stderr ?? '')}`);
  }
  return 0;
}

const withNewline = (text: string) => (text === '' || text.endsWith('\n') ? text : `${text}\n`);
