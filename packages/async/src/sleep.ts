/**
 * Resolves after `ms`, or as soon as `signal` aborts (it resolves then too, it does not reject: the
 * caller checks `signal.aborted`). Resolves at once for `ms ≤ 0` or an already aborted signal.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!(ms > 0) || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
