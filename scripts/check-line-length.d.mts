// Types of check-line-length.mjs, for the test that calls it (test/check-line-length.test.ts).
export interface LongLine {
  /** Relative to the checked root, `/`-separated. */
  file: string;
  line: number;
  /** In characters (Unicode code points). */
  length: number;
}
export const LINE_LIMIT: number;
export function checkLineLength(root: string, limit?: number): LongLine[];
export function formatLongLine(long: LongLine, limit?: number): string;
