/**
 * How a run's outcome reads to every front end: `cancelled` when it was stopped or left cells
 * cancelled, `failure` when a cell, the aggregate or publishing to `outputs:` failed, else `ok`.
 * Errors thrown before or around a run take their class from the error (`exitCodeOf` of @mxn/errors).
 */
import { EXIT_CODES } from '@mxn/errors';

export type RunOutcomeClass = 'ok' | 'failure' | 'cancelled';

export function runOutcomeClass(report: { cancelled: boolean; failed: number; publishError?: string | undefined }): RunOutcomeClass {
  if (report.cancelled) return 'cancelled';
  return report.failed > 0 || report.publishError ? 'failure' : 'ok';
}

/** The process exit code of a run's outcome: 0, 1 or 130. */
export function exitCodeOfOutcome(outcome: RunOutcomeClass): number {
  return EXIT_CODES[outcome];
}
