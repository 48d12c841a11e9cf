/**
 * When a fault injected at a `rate` applies: on the calls where ⌊seen·rate⌋ steps up, so the faults are
 * spread evenly and every run of a test sees the same ones (a random draw made storms flaky).
 */
export function dueAtRate(entry: { seen: number }, rate: number | undefined): boolean {
  if (rate === undefined) return true;
  entry.seen++;
  return Math.floor(entry.seen * rate) > Math.floor((entry.seen - 1) * rate);
}
