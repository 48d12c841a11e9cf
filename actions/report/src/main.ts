// Thin entry: read inputs, call reportStep, set outputs, fail once with a clear message.
import * as core from '@actions/core';
import { failAction, githubApi, readEventContext, reportStep } from '@mxn/github';

async function main(): Promise<void> {
  const context = readEventContext();
  const pr = context.pullRequest;
  const branch = core.getInput('branch') || pr?.headRef || context.refName;
  const commit = core.getInput('commit') !== 'false' && !pr?.fromFork;
  // the sha the run checked out: the results are pushed only while the branch still points at it
  const expectedHead = core.getInput('branch') ? undefined : pr?.headSha || process.env.GITHUB_SHA;
  const result = await reportStep({
    root: process.cwd(),
    experiment: core.getInput('experiment', { required: true }),
    ...(core.getInput('report-url') ? { reportUrl: core.getInput('report-url') } : {}),
    ...(pr
      ? {
          baseRef: pr.baseRef,
          comment: { api: githubApi({ token: core.getInput('token') }), target: { ...context.repo, issue: pr.number } },
        }
      : {}),
    ...(commit && branch ? { commitTo: branch } : {}),
    ...(expectedHead ? { expectedHead } : {}),
    repositoryUrl: `${process.env.GITHUB_SERVER_URL ?? 'https://github.com'}/${context.repo.owner}/${context.repo.repo}`,
  });
  if (result.comment) core.setOutput('comment-id', String(result.comment.id));
  core.setOutput('commit', result.commit.sha ?? '');
  core.info(
    result.commit.committed
      ? `committed ${result.commit.sha}: ${result.commit.message}`
      : result.commit.skipped
        ? `not committed: ${branch} has moved since the run's commit (its newer run reports for it)`
        : 'results summary unchanged or run cancelled; nothing committed',
  );
}

main().catch((error: unknown) => failAction(error, 'mxn report', core));
