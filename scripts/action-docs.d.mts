// Types of action-docs.mjs, for the test that calls it (test/action-docs.test.ts).
export function renderAction(actionYaml: string): string;
export function actionDocs(root: string): { text: string; changed: string[]; problems: string[] };
