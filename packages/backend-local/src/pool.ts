/**
 * Runs `work` for each item with at most `limit` at once, in order of the items.
 * Stops taking new items once `stopped()` is true; resolves when every started item finished.
 * Returns how many items were started (a prefix of `items`).
 */
export async function runPool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>, stopped: () => boolean = () => false): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !stopped()) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return next;
}
