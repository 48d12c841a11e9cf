export { runPool, settlePool, type StopWhen } from './pool.js';
export { sleep } from './sleep.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export { retry, type RetryOptions } from './retry.js';
