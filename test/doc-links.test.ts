// Every relative link in the repository's Markdown files leads somewhere: `[text](path)`,
// `[text](path#anchor)`, `[text](#anchor)` and reference definitions `[label]: path`. The path must
// exist (relative to the Markdown file); an anchor into a Markdown file must name one of its headings
// (GitHub's slugs: lower case, punctuation dropped, spaces to hyphens, `-1`, `-2` for repeats). Links
// with a scheme (`https:`, `mailto:`) are not checked here; code blocks and code spans are skipped.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Folders never holding the repository's own docs; `data/` and `results/` only at the top (generated).
const SKIPPED = new Set(['node_modules', 'dist', '.git', '.turbo', '.mxn', 'coverage', '.venv', '__pycache__']);
const SKIPPED_AT_TOP = new Set(['data', 'results']);

function markdownFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name) || (dir === repoRoot && SKIPPED_AT_TOP.has(entry.name))) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...markdownFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.md')) files.push(full);
  }
  return files;
}

/** The text with fenced code blocks and inline code spans blanked (same length, same lines). */
function withoutCode(text: string): string {
  return withoutCodeBlocks(text).replace(/`[^`\n]*`/g, blank);
}

function withoutCodeBlocks(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, blank);
}

const blank = (match: string) => match.replace(/[^\n]/g, ' ');

function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  const counts = new Map<string, number>();
  for (const match of withoutCodeBlocks(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = (match[1] ?? '')
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const seen = counts.get(base) ?? 0;
    counts.set(base, seen + 1);
    slugs.add(seen === 0 ? base : `${base}-${seen}`);
  }
  for (const match of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) slugs.add(match[1] ?? '');
  return slugs;
}

interface Files {
  read(file: string): string;
  exists(file: string): boolean;
}

const disk: Files = { read: (file) => readFileSync(file, 'utf8'), exists: (file) => existsSync(file) };

/** `file:line: message` for each link in `files` that does not resolve. */
function brokenLinks(root: string, files: string[], fs: Files = disk): string[] {
  const problems: string[] = [];
  const slugCache = new Map<string, Set<string>>();
  const slugsOf = (file: string) => {
    let slugs = slugCache.get(file);
    if (!slugs) {
      slugs = headingSlugs(fs.read(file));
      slugCache.set(file, slugs);
    }
    return slugs;
  };
  for (const file of files) {
    const text = withoutCode(fs.read(file));
    const links: { target: string; index: number }[] = [];
    for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
      links.push({ target: match[1] ?? '', index: match.index });
    for (const match of text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm))
      links.push({ target: match[1] ?? '', index: match.index });
    links.sort((a, b) => a.index - b.index);
    const where = path.relative(root, file);
    for (const { target, index } of links) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
      const line = text.slice(0, index).split('\n').length;
      const [rawPath = '', anchor] = target.split('#');
      const targetFile = rawPath === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(rawPath));
      if (!fs.exists(targetFile)) {
        problems.push(`${where}:${line}: link to ${target}: ${path.relative(root, targetFile)} does not exist`);
      } else if (anchor && targetFile.endsWith('.md') && !slugsOf(targetFile).has(decodeURIComponent(anchor))) {
        problems.push(`${where}:${line}: link to ${target}: ${path.relative(root, targetFile)} has no heading #${anchor}`);
      }
    }
  }
  return problems;
}

describe('Markdown links', () => {
  it('every relative link in the repository resolves to a file, and every anchor to a heading', () => {
    const files = markdownFiles(repoRoot);
    expect(files.length).toBeGreaterThan(10);
    const problems = brokenLinks(repoRoot, files).map(
      (problem) => `${problem} (fix: point the link at an existing file or heading, or drop it)`,
    );
    expect(problems).toEqual([]);
  });

  it('reports a missing file, a missing heading and nothing inside code', () => {
    const docs: Record<string, string> = {
      '/fake/README.md': [
        '# Top',
        '## Inputs and outputs',
        '[ok](#inputs-and-outputs) [self](#top) [bad anchor](#nope) [other](docs/guide.md#setup-step-by-step)',
        '[missing](docs/missing.md) [web](https://example.invalid/x) [stale](docs/guide.md#gone)',
        '`[not a link](nowhere.md)`',
        '```md',
        '[inside a block](nowhere.md)',
        '```',
        '[ref]: ./missing-too.md',
      ].join('\n'),
      '/fake/docs/guide.md': '# Guide\n\n## Setup, step by step\n',
    };
    const fs: Files = { read: (file) => docs[file] ?? '', exists: (file) => file in docs };
    expect(brokenLinks('/fake', ['/fake/README.md'], fs)).toEqual([
      'README.md:3: link to #nope: README.md has no heading #nope',
      'README.md:4: link to docs/missing.md: docs/missing.md does not exist',
      'README.md:4: link to docs/guide.md#gone: docs/guide.md has no heading #gone',
      'README.md:9: link to ./missing-too.md: missing-too.md does not exist',
    ]);
  });
});
