/** Deterministic Batch ids and image names. */
import { createHash } from 'node:crypto';

const MAX_ID = 64;

/** The job id of a run: `mxn-<runId>` with characters Batch refuses replaced, hashed down to 64 characters. */
export function jobIdFor(runId: string): string {
  const clean = `mxn-${runId}`.replace(/[^a-zA-Z0-9_-]/g, '-');
  if (clean.length <= MAX_ID) return clean;
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 12);
  return `${clean.slice(0, MAX_ID - hash.length - 1)}-${hash}`;
}

/** The image mxn builds from a model folder: `<MXN_REGISTRY or mxn.local>/<model>:<first 12 of the build-context hash>`. */
export function imageForBuild(model: string, contextHash: string, registry: string = process.env.MXN_REGISTRY ?? 'mxn.local'): string {
  const name = model.toLowerCase().replace(/[^a-z0-9._-]/g, '-');
  return `${registry.replace(/\/$/, '')}/${name}:${contextHash.slice(0, 12)}`;
}
