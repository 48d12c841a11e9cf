// Thin entry: read inputs, call runStep, set outputs, fail once with a clear message.
// No GitHub token: this job runs pull-request code; the publish job posts the results.
// SIGINT/SIGTERM (a superseded or cancelled run) cancel the backend's cells; near the 6-hour limit they detach.
import path from 'node:path';
import * as core from '@actions/core';
import { parseCellFilter } from '@mxn/core';
import { failAction, readEventContext, runStep, stepLogger, stopOnSignals, type Rerun } from '@mxn/github';

async function main(): Promise<void> {
  const context = readEventContext();
  const pr = context.pullRequest;
  const images = core.getInput('images');
  const stop = stopOnSignals({ detachAfterMs: Number(core.getInput('detach-after') || 350) * 60_000, log: (line) => core.warning(line) });
  const result = await runStep({
    root: process.cwd(),
    experiment: core.getInput('experiment', { required: true }),
    ...(core.getInput('backend') ? { backend: core.getInput('backend') } : {}),
    rerun: (core.getInput('rerun') || 'none') as Rerun,
    only: core.getMultilineInput('only').map(parseCellFilter),
    // an untrusted pull request runs only its approved commit, and never as a process on the runner
    ...(pr ? { pullRequest: { trusted: pr.trusted, headSha: pr.headSha }, baseRef: pr.baseRef } : {}),
    ...(core.getInput('approved-sha') ? { approvedSha: core.getInput('approved-sha') } : {}),
    ...(images ? { images: JSON.parse(images) as Record<string, string> } : {}),
    signal: stop.signal,
    log: stepLogger(core),
  });
  stop.dispose();
  core.setOutput('experiment', result.results.experiment);
  core.setOutput('results', result.written.results);
  core.setOutput('dir', path.dirname(result.written.results));
  core.setOutput('report', result.written.report);
  core.setOutput('failed', String(result.failed));
  core.setOutput('cancelled', String(result.cancelled));
  if (result.outcome === 'cancelled') throw new Error('cancelled; the cells still running were cancelled on the backend');
  if (result.publishError) throw new Error(result.publishError);
  if (result.outcome === 'failure') throw new Error(`${result.failed} cell(s) failed; see the pull request comment or summary.md`);
}

main().catch((error: unknown) => failAction(error, 'mxn run', core));
