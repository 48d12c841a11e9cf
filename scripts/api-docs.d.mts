// Types of api-docs.mjs, for the test that calls it (test/api-docs.test.ts).
export const START: string;
export const END: string;
export interface ExportDoc {
  name: string;
  summary: string;
}
export function workspacePackages(root: string): { name: string; dir: string }[];
export function entryPoints(dir: string): { subpath: string; source: string }[];
export function describeExports(files: string[], packages?: { name: string; dir: string }[]): Map<string, ExportDoc[]>;
export function firstSentence(doc: string): string;
export function renderApi(groups: { specifier: string; exports: ExportDoc[] }[]): string;
export function apiDocs(root: string): { readmes: { file: string; text: string }[]; changed: string[]; problems: string[] };
