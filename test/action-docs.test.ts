// scripts/action-docs.mjs: the inputs and outputs tables in actions/README.md come from each
// action.yml, and `npm run docs:check` fails when one has drifted.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { actionDocs, renderAction } from '../scripts/action-docs.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const roots: string[] = [];

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const hello = [
  'name: hello',
  'description: Says hello to results/<name>/.',
  'inputs:',
  '  who:',
  '    description: Whom to greet (a | b).',
  '    required: true',
  '  times:',
  '    description: >-',
  '      How often,',
  '      at most.',
  "    default: '2'",
  'outputs:',
  '  said:',
  '    description: What was said.',
  '',
].join('\n');

describe('action docs', () => {
  it('actions/README.md matches every action.yml (npm run docs rewrites it)', () => {
    const { changed, problems } = actionDocs(repoRoot);
    expect(problems).toEqual([]);
    expect(changed, 'stale sections in actions/README.md (fix: npm run docs)').toEqual([]);
  });

  it('renders one row per input and output, folding lines and escaping table pipes and tags', () => {
    expect(renderAction(hello)).toBe(
      [
        'Says hello to results/&lt;name>/.',
        '',
        '| input | required | default | description |',
        '| --- | --- | --- | --- |',
        '| `who` | yes | — | Whom to greet (a \\| b). |',
        '| `times` | no | `2` | How often, at most. |',
        '',
        '| output | description |',
        '| --- | --- |',
        '| `said` | What was said. |',
      ].join('\n'),
    );
  });

  it('names a stale section and an action without one', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'action-docs-'));
    roots.push(root);
    for (const name of ['hello', 'bye']) {
      mkdirSync(path.join(root, 'actions', name), { recursive: true });
      writeFileSync(path.join(root, 'actions', name, 'action.yml'), hello);
    }
    writeFileSync(
      path.join(root, 'actions/README.md'),
      '# actions\n\n<!-- action-docs:hello -->\nold table\n<!-- /action-docs:hello -->\n',
    );
    const { changed, problems, text } = actionDocs(root);
    expect(changed).toEqual(['hello']);
    expect(problems).toEqual([expect.stringMatching(/^actions\/README\.md: no section for action bye \(fix: /)]);
    expect(text).toBe(`# actions\n\n<!-- action-docs:hello -->\n${renderAction(hello)}\n<!-- /action-docs:hello -->\n`);
  });

  it('--check exits 1 and names the stale section; without it the section is rewritten', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'action-docs-'));
    roots.push(root);
    mkdirSync(path.join(root, 'actions/hello'), { recursive: true });
    writeFileSync(path.join(root, 'actions/hello/action.yml'), hello);
    writeFileSync(path.join(root, 'actions/README.md'), '<!-- action-docs:hello -->\n<!-- /action-docs:hello -->\n');
    const script = path.join(repoRoot, 'scripts/action-docs.mjs');
    const stale = spawnSync(process.execPath, [script, '--check', '--root', root], { encoding: 'utf8' });
    expect(stale.status).toBe(1);
    expect(stale.stderr).toBe(
      'actions/README.md: section action-docs:hello is stale against actions/hello/action.yml (fix: npm run docs)\n',
    );
    expect(spawnSync(process.execPath, [script, '--root', root], { encoding: 'utf8' }).status).toBe(0);
    expect(spawnSync(process.execPath, [script, '--check', '--root', root], { encoding: 'utf8' }).status).toBe(0);
  });
});
