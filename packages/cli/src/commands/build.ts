import path from 'node:path';
import { buildImages, exitCodeOfOutcome, IMAGE_STATES, loadForBuild } from '@mxn/engine';
import type { FailedImageOutcome, ImageOutcome } from '@mxn/images';
import { parse } from '../args.js';
import { green, red, type Output } from '../output.js';
import { help } from './validate.js';

const buildHelp = `usage: mxn build <experiment.yaml>... [--push] [--registry HOST] [--platform P] [--force] [--json]

Builds the images of the experiments' models and aggregate with the local Docker or Podman: the tag
of a build folder's image is its content hash, so an unchanged folder is never rebuilt. Prebuilt
image: references are pulled when missing. One line per image (reference and built / reused /
pushed / pulled / failed), then the totals.

  --push             also push them to the registry (images the registry has are left alone)
  --registry HOST    registry to tag (and push) with (default: MXN_REGISTRY); without one, images
                     are tagged mxn/<model>:<hash> in the local engine only
  --platform P       build for this platform (e.g. linux/amd64; default: the engine's)
  --force            build even when the tag is present
  --json             print { images, outcomes, totals } as JSON

Environment: MXN_CONTAINER_ENGINE (docker or podman), MXN_BUILD_NETWORK (--network of build steps),
MXN_REGISTRY_USERNAME and MXN_REGISTRY_PASSWORD (docker login before a push).

Exit code: 0 every image is there, 1 an image failed, 2 invalid input or no container engine.`;

export async function buildCommand(argv: string[], output: Output): Promise<number> {
  const { values, positionals } = parse('build', argv, {
    push: { type: 'boolean' },
    registry: { type: 'string' },
    platform: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.help) return help(output, buildHelp);
  const report = await buildImages(await loadForBuild(positionals), {
    ...(values.push ? { push: true } : {}),
    ...(values.registry ? { registry: values.registry } : {}),
    ...(values.platform ? { platform: values.platform } : {}),
    ...(values.force ? { force: true } : {}),
    log: (line) => output.err.write(`${line}\n`),
  });
  const { engine, images, outcomes, totals, root } = report;
  if (values.json) {
    output.out.write(`${JSON.stringify({ engine, images, outcomes, totals }, null, 2)}\n`);
  } else {
    for (const outcome of outcomes) output.out.write(`${line(outcome, root, output)}\n`);
    output.out.write(`${IMAGE_STATES.map((state) => `${state} ${totals[state]}`).join(', ')}\n`);
  }
  return exitCodeOfOutcome(report.outcome);
}

function line(outcome: ImageOutcome | FailedImageOutcome, root: string, output: Output): string {
  const where = outcome.buildDir ? ` (${path.relative(root, outcome.buildDir) || '.'})` : '';
  if (outcome.state === 'failed')
    return `${outcome.ref ?? outcome.name}${where}  ${red(output, `failed: ${outcome.error.split('\n')[0]!.replace(/^images: /, '')}`)}`;
  const state = outcome.state === 'reused' ? outcome.state : green(output, outcome.state);
  return (
    `${outcome.ref}${where}  ${state}` +
    `${outcome.state === 'pulled' || (outcome.state === 'reused' && !outcome.buildDir) ? `  ${outcome.id}` : ''}`
  );
}
