// Types of check-graph.mjs, for the test that calls it (test/check-graph.test.ts).
export interface GraphProblem {
  /** Relative to the checked root, `/`-separated on POSIX. */
  file: string;
  line: number;
  message: string;
  fix: string;
}
export function checkGraph(root: string): GraphProblem[];
export function formatProblem(problem: GraphProblem): string;
export function importSpecifiers(text: string): { specifier: string; index: number }[];
