/**
 * What `--baseline REF` names, tried in this order (the first that matches wins):
 *   1. `previous`: the run before this one, as `recordView` reads its record;
 *   2. a run kept in `runs/`: its record name (`20261130T101500123Z-<run id>`), or a run id when only
 *      one kept run has it (a run id is a hash of the plan, so every run of an unchanged experiment
 *      has the same one: several matches are refused with their record names);
 *   3. a results file (a path to a file that exists);
 *   4. a git ref (`main`, `origin/main`, a sha): the experiment's results.json as committed there.
 * The run being reported is never its own baseline, and a baseline of another experiment, task or
 * target is refused (`baselineMismatch`, the policy the GitHub steps apply too).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ExperimentResults } from '@mxn/core';
import { MxnError } from '@mxn/errors';
import { readResults } from '@mxn/report';
import { resultsAtGitRef } from './results-at-git-ref.js';
import { baselineMismatch, recordName, recordView, runRecordNames } from './run-history.js';

/** The run a baseline is for: its record (if it has one yet) is never its baseline. */
type CurrentRun = Pick<ExperimentResults, 'experiment' | 'startedAt' | 'runId' | 'evaluation'>;

/** The results `ref` names (see the order above), checked to be of the same experiment, task and target as `current`. */
export async function resolveBaseline(ref: string, options: { resultsDir: string; current: CurrentRun }): Promise<ExperimentResults> {
  const { resultsDir, current } = options;
  const { baseline, label } = await find(ref, resultsDir, current);
  const mismatch = baselineMismatch(baseline, current);
  if (mismatch)
    throw new MxnError('Usage', `--baseline ${label} is ${mismatch}: refusing to compare them`, {
      hint: `pass a run of ${current.experiment} with the same task and target, e.g. --baseline previous`,
    });
  return baseline;
}

async function find(ref: string, resultsDir: string, current: CurrentRun): Promise<{ baseline: ExperimentResults; label: string }> {
  const self = recordName(current);
  const all = await runRecordNames(resultsDir);
  const names = all.filter((name) => name !== self);
  const where = path.join(resultsDir, 'runs');
  if (ref === 'previous') {
    const name = names.filter((item) => item < self).at(-1);
    if (!name)
      throw new MxnError('Usage', `--baseline previous: no earlier run of ${current.experiment} is kept in ${where}`, {
        hint: 'run the experiment again first, or pass --baseline <record | results.json | git ref>',
      });
    return { baseline: await recordView(resultsDir, name), label: `previous (${name})` };
  }
  const matches = names.includes(ref) ? [ref] : names.filter((item) => item.endsWith(`-${ref}`));
  if (matches.length > 1)
    throw new MxnError('Usage', `--baseline ${ref}: ${matches.length} kept runs have that run id: ${matches.join(', ')}`, {
      hint: 'pass one of these record names (a run id is a hash of the plan: reruns of one plan share it)',
    });
  if (matches.length === 1) return { baseline: await recordView(resultsDir, matches[0]!), label: ref };
  if (all.includes(self) && (ref === self || self.endsWith(`-${ref}`)))
    throw new MxnError('Usage', `--baseline ${ref} is the run being reported (${self}), and no other kept run has it`, {
      hint: names.length ? `pass an earlier run: previous, or one of ${names.slice(-5).join(', ')}` : 'run the experiment again first',
    });
  // a file only: a folder named like a branch (`main/`) is no results file, and the ref is tried as a git ref
  if ((await stat(ref).catch(() => undefined))?.isFile()) return { baseline: await readResults(ref), label: ref };
  const file = path.join(resultsDir, 'results.json');
  const cwd = await nearestFolder(resultsDir);
  const committed = await resultsAtGitRef(cwd, ref, path.relative(cwd, file));
  if ('results' in committed) return { baseline: committed.results, label: `${ref} (${committed.path} at ${ref})` };
  throw new MxnError('Usage', `--baseline ${ref}: no such run in ${where}, no such file, and as a git ref: ${committed.missing}`, {
    hint: names.length
      ? `pass previous, a kept run (${names.slice(-3).join(', ')}), a results.json or a git ref with results committed`
      : 'pass previous, a results.json or a git ref with results committed',
  });
}

/** `dir`, or its nearest ancestor that exists (a run's results folder may not yet). */
async function nearestFolder(dir: string): Promise<string> {
  let at = path.resolve(dir);
  while (!(await stat(at).catch(() => undefined))?.isDirectory() && path.dirname(at) !== at) at = path.dirname(at);
  return at;
}
