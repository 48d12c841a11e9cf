/**
 * The retry rule, one place for every backend: `compute.retries` extra attempts are spent on
 * failures of the platform (inputs that could not be staged, outputs that could not be uploaded, a
 * lost node) and on timeouts. A model's own non-zero exit is deterministic as a rule (the same code
 * and stderr again), so it is not retried unless the experiment says `compute.retryModelFailures: true`.
 */
import type { ComputeLimits } from './backend.js';

/** Why an attempt failed: the model (its exit code, a signal, a command that does not start), a timeout, or the platform. */
export type AttemptFailure = 'model' | 'timeout' | 'infrastructure';

/** True when the attempt numbered `attempt` (1-based) that failed for `failure` gets another attempt. */
export function shouldRetry(
  limits: Pick<ComputeLimits, 'retries' | 'retryModelFailures'>,
  failure: AttemptFailure,
  attempt: number,
): boolean {
  if (attempt > limits.retries) return false;
  return failure !== 'model' || limits.retryModelFailures === true;
}

/**
 * Retries a backend may leave to a service that retries on any non-zero exit (Azure Batch's
 * `maxTaskRetryCount`): the experiment's retries when model failures are retried, else none (such a
 * service requeues tasks of lost nodes by itself).
 */
export function exitCodeRetries(limits: Pick<ComputeLimits, 'retries' | 'retryModelFailures'>): number {
  return limits.retryModelFailures === true ? limits.retries : 0;
}
