// Thin entry: read inputs, call planStep, set outputs, fail once with a clear message.
import path from 'node:path';
import * as core from '@actions/core';
import { failAction, githubApi, planEventOptions, planStep, readEventContext, stepLogger, type Rerun } from '@mxn/github';

async function main(): Promise<void> {
  const log = stepLogger(core);
  const api = readEventContext().pullRequest ? githubApi({ token: core.getInput('token'), author: core.getInput('bot-login') }) : undefined;
  // the author's permission confirmed, the comment, the commit, the approval check and the note
  const { context, options } = await planEventOptions(readEventContext(), api, log);
  const pr = context.pullRequest;
  const named = core
    .getInput('experiments')
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter(Boolean);
  const result = await planStep({
    root: path.resolve(core.getInput('root') || '.'),
    experiments: named,
    changedFiles: api && pr && named.length === 0 ? await api.listPullFiles(context.repo, pr.number) : [],
    rerun: (core.getInput('rerun') || 'none') as Rerun,
    ...(core.getInput('backend') ? { backend: core.getInput('backend') } : {}),
    ...options,
    log,
  });
  for (const item of result.experiments)
    log(`${item.file}: ${item.problems ? `${item.problems.length} problem(s)` : `${item.cells} cells, ${item.toRun} to run`}`);
  // Problems are annotations, not a failure here: the valid experiments still run, and the
  // workflow's last plan step fails the job when `problems` is not 0.
  for (const issue of result.experiments.flatMap((item) => item.problems ?? []))
    core.error(issue.message, {
      file: issue.file,
      ...(issue.line ? { startLine: issue.line } : {}),
      ...(issue.column ? { startColumn: issue.column } : {}),
    });
  for (const line of result.approval?.refusals ?? []) core.warning(`not approved: ${line}`);
  core.setOutput('experiments', JSON.stringify(result.runnable));
  core.setOutput('plan', JSON.stringify(result.experiments));
  core.setOutput('problems', String(result.problems));
  core.setOutput('approved-sha', result.approvedSha ?? '');
  core.setOutput('trusted', String(options.untrusted !== true));
}

main().catch((error: unknown) => failAction(error, 'mxn plan', core));
