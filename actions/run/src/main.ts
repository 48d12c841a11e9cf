// Thin entry: read inputs, call runStep, set outputs, fail once with a clear message.
import * as core from '@actions/core';
import { githubApi, readEventContext, runStep, type Rerun } from '@mxn/github';

async function main(): Promise<void> {
  const context = readEventContext();
  const pr = context.pullRequest;
  const images = core.getInput('images');
  const result = await runStep({
    root: process.cwd(),
    experiment: core.getInput('experiment', { required: true }),
    ...(core.getInput('backend') ? { backend: core.getInput('backend') } : {}),
    rerun: (core.getInput('rerun') || 'none') as Rerun,
    ...(images ? { images: JSON.parse(images) as Record<string, string> } : {}),
    ...(pr ? { baseRef: pr.baseRef, comment: { api: githubApi({ token: core.getInput('token') }), target: { ...context.repo, issue: pr.number } } } : {}),
    progressIntervalMs: Number(core.getInput('progress-interval') || 30) * 1000,
    ...(context.runUrl ? { runUrl: context.runUrl } : {}),
    log: (line) => core.info(line),
  });
  core.setOutput('experiment', result.results.experiment);
  core.setOutput('results', result.written.results);
  core.setOutput('report', result.written.report);
  core.setOutput('failed', String(result.failed));
  if (result.failed > 0) throw new Error(`${result.failed} cell(s) failed; see the pull request comment or summary.md`);
}

main().catch((error: Error) => core.setFailed(`mxn run: ${error.message}`));
