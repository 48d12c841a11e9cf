#!/usr/bin/env node
// Writes each action's inputs and outputs tables into actions/README.md from actions/<name>/action.yml,
// between the markers
//   <!-- action-docs:<name> -->
//   <!-- /action-docs:<name> -->
// (`npm run docs`). With --check it writes nothing and exits 1, naming each stale or missing section
// (`npm run docs:check`). `--root DIR` works on another checkout. Everything outside the markers is
// prose and left alone.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { docsArgs, isMain, reportDocs } from './docs-cli.mjs';

const README = 'actions/README.md';

/** The generated block (without markers) for one action.yml text. */
export function renderAction(actionYaml) {
  const action = parse(actionYaml) ?? {};
  const lines = [];
  if (action.description) lines.push(cell(action.description), '');
  const inputs = Object.entries(action.inputs ?? {});
  if (inputs.length > 0) {
    lines.push('| input | required | default | description |', '| --- | --- | --- | --- |');
    for (const [name, input] of inputs) {
      const fallback = input?.default === undefined || input.default === '' ? '—' : code(String(input.default));
      lines.push(`| ${code(name)} | ${input?.required === true ? 'yes' : 'no'} | ${fallback} | ${cell(input?.description ?? '')} |`);
    }
  } else {
    lines.push('No inputs.');
  }
  lines.push('');
  const outputs = Object.entries(action.outputs ?? {});
  if (outputs.length > 0) {
    lines.push('| output | description |', '| --- | --- |');
    for (const [name, output] of outputs) lines.push(`| ${code(name)} | ${cell(output?.description ?? '')} |`);
  } else {
    lines.push('No outputs.');
  }
  return lines.join('\n');
}

const oneLine = (text) =>
  String(text)
    .replace(/\s*\n\s*/g, ' ')
    .trim()
    .replace(/\|/g, '\\|');
// Markdown text: `<name>` would be read as an HTML tag; inside a code span it is literal.
const cell = (text) => oneLine(text).replace(/</g, '&lt;');
const code = (text) => `\`${oneLine(text)}\``;

const startMarker = (name) => `<!-- action-docs:${name} -->`;
const endMarker = (name) => `<!-- /action-docs:${name} -->`;

/**
 * Updates the README text under `root`; returns `{ text, changed, problems }`: `changed` lists the
 * sections whose content differs, `problems` the actions without a section and sections without an
 * action (those are not fixed by writing).
 */
export function actionDocs(root) {
  const readmePath = path.join(root, README);
  const original = readFileSync(readmePath, 'utf8');
  const actionsDir = path.join(root, 'actions');
  const names = readdirSync(actionsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(actionsDir, entry.name, 'action.yml')))
    .map((entry) => entry.name)
    .sort();
  let text = original;
  const changed = [];
  const problems = [];
  for (const name of names) {
    const start = text.indexOf(startMarker(name));
    const end = text.indexOf(endMarker(name));
    if (start < 0 || end < start) {
      problems.push(
        `${README}: no section for action ${name} (fix: ` +
          `add ${startMarker(name)} and ${endMarker(name)} where its tables go, then npm run docs)`,
      );
      continue;
    }
    const body = `\n${renderAction(readFileSync(path.join(actionsDir, name, 'action.yml'), 'utf8'))}\n`;
    const from = start + startMarker(name).length;
    if (text.slice(from, end) !== body) {
      changed.push(name);
      text = text.slice(0, from) + body + text.slice(end);
    }
  }
  for (const match of original.matchAll(/<!-- action-docs:([\w.-]+) -->/g)) {
    if (!names.includes(match[1]))
      problems.push(`${README}: section action-docs:${match[1]} names no action (fix: remove it, or add actions/${match[1]}/action.yml)`);
  }
  return { text, changed, problems };
}

function main() {
  const { check, root } = docsArgs();
  const { text, changed, problems } = actionDocs(root);
  reportDocs({
    check,
    changed,
    problems,
    stale: (name) => `${README}: section action-docs:${name} is stale against actions/${name}/action.yml (fix: npm run docs)`,
    fresh: `${README}: the inputs and outputs of every action match their action.yml`,
    write: () => writeFileSync(path.join(root, README), text),
    updated: changed.length > 0 ? `${README}: updated ${changed.join(', ')}` : `${README}: up to date`,
  });
}

if (isMain(import.meta.url)) main();
