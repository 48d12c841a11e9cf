/**
 * Hostile strings and structural checks for the tests of everything that puts user strings into
 * markdown, HTML or a terminal. No markdown parser is needed: a render of hostile names must have
 * the same shape (lines, fences, table rows and columns, headings, HTML tags) as the same render
 * of plain names, and nothing a reader did not write as mxn may appear outside code.
 */
import type { ExperimentResults } from '@mxn/core';
import { sampleResults } from './sample-results.js';

/** Each is appended to a plain name (`ridge`, `seoul`, `rmse`, …), so names stay distinct. */
export const HOSTILE_STRINGS: readonly string[] = [
  '\n```\n**Approved by @maintainer**\n```\n',
  '\n~~~\nforged\n~~~',
  ' a|b||c \\| d',
  ' <!-- hidden',
  ' --> ----> end',
  ' </code></summary></details> out',
  '<script>alert(1)</script>',
  ' @maintainer and @acme/owners',
  ' [link](http://x.example)',
  ' ![img](http://x.example/i.png)',
  '\n\nafter a blank line',
  ' cr\ronly and crlf\r\nhere',
  ' zw\u200Bj\u200Dbidi\u202Eevil\u2066iso\u2069bom\uFEFF',
  '\n::error::forged annotation',
  '::warning::at the start ##[error]legacy form',
  ' `tick` ``two`` ```three',
  '\n# heading * _ ~ > + 1. =',
  ' https://evil.example www.evil.example me@evil.example',
  '\u001b[2J\u001b[31mred\u0007 bell\u0000 nul',
  ' \\ backslash at the end\\',
  '\n    indented\n    code',
];

/** Characters no rendered text may hold: invisible, bidi overrides, lone control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
export const INVISIBLE_CHARACTERS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/u;

/**
 * `sampleResults` of 2 variants × 2 datasets (one failed cell) where `suffix` is appended to every
 * user-controlled string: experiment, description, variant, model and dataset names, metric names,
 * params (fixed ones and env too), run id and the error text.
 */
export function resultsWithSuffix(suffix: string): ExperimentResults {
  const results = sampleResults({
    variants: [`ridge[alpha=0.1${suffix}]`, `knn${suffix}`],
    datasets: [`seoul${suffix}`, `busan${suffix}`],
    status: (v, d) => (v === 1 && d === 1 ? 'failed' : 'succeeded'),
    error: `Traceback (most recent call last):\n  ValueError: bad${suffix}\nthe end${suffix}`,
    runId: `run-1${suffix}`,
  });
  const rename = (metric: string) => `${metric}${suffix}`;
  return {
    ...results,
    experiment: `housing${suffix}`,
    description: `Baseline${suffix}`,
    evaluation: { ...results.evaluation, metrics: results.evaluation.metrics.map(rename) },
    cells: results.cells.map((cell) => ({
      ...cell,
      params: { alpha: `0.1${suffix}`, seed: `7${suffix}` },
      fixed: { seed: `7${suffix}` },
      env: { OMP_NUM_THREADS: `1${suffix}` },
      metrics: Object.fromEntries(Object.entries(cell.metrics).map(([metric, value]) => [rename(metric), value])),
    })),
  };
}

/** The cells of a markdown table row, split at pipes not escaped by a backslash (as GFM does, code spans included). */
export function tableCells(line: string): string[] {
  const cells: string[] = [];
  let current = '';
  let escaped = false;
  for (const char of line.trim().replace(/^\|/, '')) {
    if (char === '|' && !escaped) {
      cells.push(current.trim());
      current = '';
    } else current += char;
    escaped = char === '\\' && !escaped;
  }
  if (current.trim() !== '') cells.push(current.trim());
  return cells;
}

/**
 * The block structure of markdown, one entry per line kind (consecutive code lines as one
 * `code`): fences opened and closed as CommonMark closes them, headings, table rows with their
 * column counts, list items, quotes, rules, HTML lines with their tag, blank lines and text.
 */
export function markdownSkeleton(markdown: string): string[] {
  const out: string[] = [];
  let fence: { char: string; length: number } | undefined;
  for (const line of markdown.split(/\r\n|\r|\n/)) {
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
      if (close && close[1]![0] === fence.char && close[1]!.length >= fence.length) {
        fence = undefined;
        out.push('fence-close');
      } else if (out.at(-1) !== 'code') out.push('code');
      continue;
    }
    const open = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (open && !(open[1]![0] === '`' && open[2]!.includes('`'))) {
      fence = { char: open[1]![0]!, length: open[1]!.length };
      out.push('fence-open');
    } else if (line.trim() === '') out.push('blank');
    else if (/^ {0,3}#{1,6}(\s|$)/.test(line)) out.push('heading');
    else if (/^ {0,3}\|/.test(line)) out.push(`row:${tableCells(line).length}`);
    else if (/^ {0,3}([-+*]|\d{1,9}[.)])(\s|$)/.test(line)) out.push('item');
    else if (/^ {0,3}>/.test(line)) out.push('quote');
    else if (/^ {0,3}([-=*_])(\s*\1){2,}\s*$/.test(line)) out.push('rule');
    else if (/^ {4}/.test(line)) out.push('indented');
    else if (/^ {0,3}<[!/a-z]/i.test(line)) out.push(`html:${/^ {0,3}<(!--|\/?[a-z]+)/i.exec(line)?.[1] ?? '?'}`);
    else out.push('text');
  }
  if (fence) out.push('unclosed-fence');
  return out;
}

/** Markdown without fenced blocks, code spans and `<code>` elements: the text GitHub reads for mentions, links and HTML. */
export function outsideCode(markdown: string): string {
  const lines: string[] = [];
  let fence: { char: string; length: number } | undefined;
  for (const line of markdown.split(/\r\n|\r|\n/)) {
    const marker = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (fence) {
      if (marker && marker[1]![0] === fence.char && marker[1]!.length >= fence.length && marker[2]!.trim() === '') fence = undefined;
    } else if (marker && !(marker[1]![0] === '`' && marker[2]!.includes('`'))) {
      fence = { char: marker[1]![0]!, length: marker[1]!.length };
    } else lines.push(line);
  }
  return lines
    .join('\n')
    .replace(/(?<![`\\])(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, '')
    .replace(/<code>[\s\S]*?<\/code>/g, '');
}

/** The problems a rendered markdown text has, outside code: mentions, links, images, autolinks, HTML mxn does not write. */
export function markdownHazards(markdown: string): string[] {
  const text = outsideCode(markdown);
  const hazards: string[] = [];
  const find = (name: string, pattern: RegExp) => {
    const match = pattern.exec(text);
    if (match) hazards.push(`${name}: …${text.slice(Math.max(0, match.index - 20), match.index + 30)}…`);
  };
  find('mention', /(^|[^A-Za-z0-9_])@[A-Za-z0-9]/);
  find('link', /(?<!\\)\]\(/);
  find('image', /(?<!\\)!\[/);
  find('autolink', /https?:\/\/|www\.|[A-Za-z0-9]@[A-Za-z0-9-]+\.[a-z]/i);
  find('html', /<(?!\/?(details|summary|sub|code)>)[!/a-z]/i);
  find('comment end', /-->/);
  if (INVISIBLE_CHARACTERS.test(markdown)) hazards.push('invisible character');
  return hazards;
}

/** How many of each HTML tag (`<td`, `</td`, …) a document has. */
export function htmlTagCounts(html: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of html.matchAll(/<(\/?[a-z][a-z0-9]*|!--)/gi)) {
    const tag = match[1]!.toLowerCase();
    counts[tag] = (counts[tag] ?? 0) + 1;
  }
  return counts;
}
