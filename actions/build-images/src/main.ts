// Thin entry: read inputs, call buildImagesStep (the code path of `mxn build --push`), set outputs,
// fail once with a clear message.
import path from 'node:path';
import * as core from '@actions/core';
import { buildImagesStep, failAction, readEventContext, stepLogger } from '@mxn/github';

function list(text: string): string[] {
  const trimmed = text.trim();
  return trimmed.startsWith('[')
    ? (JSON.parse(trimmed) as string[])
    : trimmed
        .split(/[\n,]/)
        .map((item) => item.trim())
        .filter(Boolean);
}

async function main(): Promise<void> {
  const root = process.cwd();
  const result = await buildImagesStep({
    root,
    experiments: list(core.getInput('experiments', { required: true })),
    ...(core.getInput('registry') ? { registry: core.getInput('registry') } : {}),
    platform: core.getInput('platform') || 'linux/amd64',
    // an untrusted pull request's experiment is loaded as one: nothing outside the project is built
    untrusted: readEventContext().pullRequest?.trusted === false,
    log: stepLogger(core),
  });
  core.setOutput(
    'images',
    JSON.stringify(Object.fromEntries(Object.entries(result.images).map(([dir, ref]) => [path.relative(root, dir), ref]))),
  );
  core.setOutput('built', String(result.built));
}

main().catch((error: unknown) => failAction(error, 'mxn build-images', core));
