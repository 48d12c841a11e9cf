/** When a pool stops starting new items: a predicate asked before each start, or an AbortSignal. */
export type StopWhen = (() => boolean) | AbortSignal;

/**
 * Runs `worker` on each item with at most `concurrency` at once, starting items in their order.
 * Items appended to `items` while the pool runs are picked up too (a worker may split its item and
 * push the halves). No new item starts once `shouldStop` says so or once a worker has failed.
 *
 * Resolves, when every started item has finished, with the started items' results in their order —
 * a prefix of `items`. Rejects with the first failure, after the items already started have finished.
 */
export function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<R>,
  shouldStop?: StopWhen,
): Promise<R[]> {
  const limit = Math.max(1, Math.floor(concurrency) || 1);
  const stopped = typeof shouldStop === 'function' ? shouldStop : () => shouldStop?.aborted ?? false;
  const results: R[] = [];
  let next = 0;
  let active = 0;
  let failed = false;
  let failure: unknown;
  return new Promise((resolve, reject) => {
    const fill = (): void => {
      while (!failed && active < limit && next < items.length && !stopped()) {
        const index = next++;
        active++;
        let running: Promise<R>;
        try {
          running = Promise.resolve(worker(items[index]!, index));
        } catch (error) {
          running = Promise.reject(error);
        }
        running
          .then(
            (value) => {
              results[index] = value;
            },
            (error: unknown) => {
              if (failed) return;
              failed = true;
              failure = error;
            },
          )
          .finally(() => {
            active--;
            fill();
          });
      }
      if (active === 0) {
        if (failed) reject(failure);
        else resolve(results);
      }
    };
    fill();
  });
}

/**
 * Like `runPool`, but a failure stops nothing and rejects nothing: resolves with every started item's
 * outcome, fulfilled or rejected, in the order of the items.
 */
export function settlePool<T, R>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<R>,
  shouldStop?: StopWhen,
): Promise<PromiseSettledResult<R>[]> {
  return runPool(
    items,
    concurrency,
    async (item, index): Promise<PromiseSettledResult<R>> => {
      try {
        return { status: 'fulfilled', value: await worker(item, index) };
      } catch (reason) {
        return { status: 'rejected', reason };
      }
    },
    shouldStop,
  );
}
