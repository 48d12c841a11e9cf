import { expandVariants } from '@mxn/core';
import { loadExperiment } from '@mxn/engine';
import { onePositional, parse } from '../args.js';
import { green, type Output } from '../output.js';

const validateHelp = `usage: mxn validate <experiment.yaml>

Checks an experiment file and its datasets; prints every problem as file:line:col and exits 2.`;

export async function validateCommand(argv: string[], output: Output): Promise<number> {
  const { values, positionals } = parse('validate', argv, {});
  if (values.help) return help(output, validateHelp);
  const loaded = await loadExperiment(onePositional('validate', positionals, 'experiment.yaml'));
  const variants = loaded.spec.models.reduce((count, model) => count + expandVariants(model.name, model.params).length, 0);
  output.out.write(
    `${green(output, 'ok')} ${loaded.spec.name}: ${loaded.spec.datasets.length} datasets, ` +
      `${loaded.spec.models.length} models (${variants} variants), ${variants * loaded.spec.datasets.length} cells\n`,
  );
  return 0;
}

export function help(output: Output, text: string): number {
  output.out.write(`${text}\n`);
  return 0;
}
