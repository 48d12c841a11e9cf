// Thin entry: read inputs, call reportStep, set outputs, fail once with a clear message.
// The publish job: the tool from the trusted commit, the results from the run job's artifact (data only).
import path from 'node:path';
import * as core from '@actions/core';
import { experimentOfResults, failAction, githubApi, readEventContext, reportStep, stepLogger } from '@mxn/github';

async function main(): Promise<void> {
  const context = readEventContext();
  const pr = context.pullRequest;
  const commit = core.getInput('commit') !== 'false';
  // the sha the run checked out: the results are pushed only while the branch still points at it
  const expectedHead = core.getInput('branch') ? undefined : pr?.headSha || process.env.GITHUB_SHA;
  const resultsDir = core.getInput('results-dir') ? path.resolve(core.getInput('results-dir')) : undefined;
  const experiment = core.getInput('experiment') || (resultsDir ? await experimentOfResults(resultsDir) : '');
  const result = await reportStep({
    root: path.resolve(core.getInput('root') || '.'),
    experiment: experiment || core.getInput('experiment', { required: true }),
    ...(resultsDir ? { resultsDir } : {}),
    ...(pr ? { recordCommit: pr.headSha } : {}),
    ...(core.getInput('report-url') ? { reportUrl: core.getInput('report-url') } : {}),
    ...(pr
      ? {
          baseRef: pr.baseRef,
          comment: {
            api: githubApi({ token: core.getInput('token'), author: core.getInput('bot-login') }),
            target: { ...context.repo, issue: pr.number },
          },
        }
      : {}),
    // the branch is the report step's choice (commitTarget): never a pull request's default or base branch, nor a fork's
    ...(commit ? { commit: { event: context, ...(core.getInput('branch') ? { branch: core.getInput('branch') } : {}) } } : {}),
    ...(expectedHead ? { expectedHead } : {}),
    repositoryUrl: `${process.env.GITHUB_SERVER_URL ?? 'https://github.com'}/${context.repo.owner}/${context.repo.repo}`,
    log: stepLogger(core),
  });
  if (result.comment) core.setOutput('comment-id', String(result.comment.id));
  core.setOutput('commit', result.commit.sha ?? '');
  stepLogger(core)(result.commitNote);
}

main().catch((error: unknown) => failAction(error, 'mxn report', core));
