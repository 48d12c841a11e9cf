import path from 'node:path';
import { resolveBaseline } from '@mxn/engine';
import { readResults, renderTextTable, writeResults } from '@mxn/report';
import { onePositional, parse } from '../args.js';
import type { Output } from '../output.js';
import { help } from './validate.js';

const reportHelp = `usage: mxn report <results.json> [--baseline previous | RECORD | RUN-ID | other-results.json | GIT-REF] [--out DIR]

Renders summary.md and report.html from a results file (into its folder unless --out is given).
--baseline REF compares with, the first that matches: previous (the run before the latest, kept in the
runs/ folder beside the results file), a kept run by record name (runs/<record>.json) or by run id
(when only one kept run has it), a results file, or a git ref (main, a sha: this results.json as
committed there). A partial (--only) run is compared as the merged view of its time. The run being
reported is never its own baseline; a run of another experiment, task or target is refused.`;

export async function reportCommand(argv: string[], output: Output): Promise<number> {
  const { values, positionals } = parse('report', argv, { baseline: { type: 'string' }, out: { type: 'string' } });
  if (values.help) return help(output, reportHelp);
  const file = onePositional('report', positionals, 'results.json');
  const results = await readResults(file);
  const baseline = values.baseline
    ? await resolveBaseline(values.baseline, { resultsDir: path.dirname(file), current: results })
    : undefined;
  if (baseline) output.err.write(`compared with run ${baseline.runId} (started ${baseline.startedAt})\n`);
  const written = await writeResults(results, values.out ?? path.dirname(file), { baseline });
  output.out.write(`${renderTextTable(results)}\nwrote ${written.summary}\nwrote ${written.report}\n`);
  return 0;
}
