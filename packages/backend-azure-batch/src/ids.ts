/** Deterministic Batch ids and image names. */
import { createHash } from 'node:crypto';
import { defaultRegistry, imageForBuild as imageRefForBuild } from '@mxn/images';

const MAX_ID = 64;

/** The job id of a run: `mxn-<runId>` with characters Batch refuses replaced, hashed down to 64 characters. */
export function jobIdFor(runId: string): string {
  const clean = `mxn-${runId}`.replace(/[^a-zA-Z0-9_-]/g, '-');
  if (clean.length <= MAX_ID) return clean;
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 12);
  return `${clean.slice(0, MAX_ID - hash.length - 1)}-${hash}`;
}

/**
 * The image mxn builds from a model folder, named as `@mxn/images` names it (the build step pushes
 * exactly this reference); without `MXN_REGISTRY`, `mxn.local` (the loopback emulator's images).
 */
export function imageForBuild(model: string, contextHash: string, registry: string = defaultRegistry() ?? 'mxn.local'): string {
  return imageRefForBuild(model, contextHash, registry);
}
