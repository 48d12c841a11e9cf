// Thin entry: read inputs, call planStep, set outputs, fail once with a clear message.
import path from 'node:path';
import * as core from '@actions/core';
import { failAction, githubApi, isApprovalEvent, planNote, planStep, readEventContext, type Rerun } from '@mxn/github';

async function main(): Promise<void> {
  const context = readEventContext();
  const pr = context.pullRequest;
  const api = pr ? githubApi({ token: core.getInput('token') }) : undefined;
  const named = core
    .getInput('experiments')
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter(Boolean);
  const untrusted = pr?.trusted === false;
  const result = await planStep({
    root: path.resolve(core.getInput('root') || '.'),
    experiments: named,
    changedFiles: api && pr && named.length === 0 ? await api.listPullFiles(context.repo, pr.number) : [],
    rerun: (core.getInput('rerun') || 'none') as Rerun,
    ...(core.getInput('backend') ? { backend: core.getInput('backend') } : {}),
    ...(api && pr ? { comment: { api, target: { ...context.repo, issue: pr.number } }, commit: pr.headSha } : {}),
    log: (line) => core.info(line),
    // an untrusted pull request's cells run in containers only, so its plan keys them so
    untrusted,
    // the approval label just added: the head must be the commit every plan comment showed
    checkApproval: untrusted && isApprovalEvent(context),
    ...(planNote(context) ? { note: planNote(context)! } : {}),
  });
  for (const item of result.experiments)
    core.info(`${item.file}: ${item.problems ? `${item.problems.length} problem(s)` : `${item.cells} cells, ${item.toRun} to run`}`);
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
}

main().catch((error: unknown) => failAction(error, 'mxn plan', core));
