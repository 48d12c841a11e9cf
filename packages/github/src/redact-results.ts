/**
 * The results through the one redactor of @mxn/storage, before any of it reaches a comment, a job
 * summary or an annotation: every string of them (a cell's or the aggregate's error, a model's own
 * metrics.json, keys and values). The engine masks them as it writes the results; this masks the
 * secrets of the step that shows them (its token), whoever wrote the file.
 */
import type { ExperimentResults } from '@mxn/core';
import { knownSecrets, redact, redactStrings } from '@mxn/storage';

/** `text` with token shapes and the secret values of this step's environment masked. */
export function redactStepText(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return redact(text, knownSecrets(env));
}

/** The results with every string in them, keys included, masked (see `redactStepText`). */
export function redactResults(results: ExperimentResults, env: NodeJS.ProcessEnv = process.env): ExperimentResults {
  return redactStrings(results, knownSecrets(env));
}
