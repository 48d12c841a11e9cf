/**
 * The free text of results (a cell's or the aggregate's error: a model's stderr tail, a backend's
 * message) through the one redactor of @mxn/storage, before any of it reaches a comment, a job
 * summary or an annotation. The engine masks it as it writes the results; this masks the secrets
 * of the step that shows them (its token), whoever wrote the file.
 */
import type { ExperimentResults } from '@mxn/core';
import { knownSecrets, redact } from '@mxn/storage';

/** `text` with token shapes and the secret values of this step's environment masked. */
export function redactStepText(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return redact(text, knownSecrets(env));
}

/** The results with every error text masked (see `redactStepText`). */
export function redactResults(results: ExperimentResults, env: NodeJS.ProcessEnv = process.env): ExperimentResults {
  const secrets = knownSecrets(env);
  return {
    ...results,
    cells: results.cells.map((cell) => (cell.error ? { ...cell, error: redact(cell.error, secrets) } : cell)),
    ...(results.aggregate?.error ? { aggregate: { ...results.aggregate, error: redact(results.aggregate.error, secrets) } } : {}),
  };
}
