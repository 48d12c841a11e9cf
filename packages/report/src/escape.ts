/**
 * Every user-controlled string (experiment, model, dataset, metric and variant names, params, file
 * names, commands, error tails, image names, problem messages) goes through one of these before it
 * enters markdown, HTML or a terminal, one function per context. Each also makes the characters a
 * reader cannot see visible (control, zero-width and bidi override characters, as `‹U+202E›`),
 * so a name can neither hide text nor show text in another order than it has.
 */
import { stripVTControlCharacters } from 'node:util';

/** Characters that end a line: normalized to `\n` (a lone `\r` ends a line in markdown too). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const LINE_BREAKS = /\r\n|[\r\u000B\u000C\u0085\u2028\u2029]/g;

/** Control (C0 but tab and newline, DEL, C1), zero-width, bidi and tag characters. */
const INVISIBLE = new RegExp(
  [
    '[',
    '\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u009F', // control
    '\\u00AD\\u180E\\u200B-\\u200D\\u2060-\\u2064\\uFEFF', // zero-width
    '\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069', // bidi marks, embeddings, overrides, isolates
    '\\u{E0000}-\\u{E007F}', // tags
    ']',
  ].join(''),
  'gu',
);

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Breaks a mention or an autolink without changing what a reader sees: a zero-width space, written as an entity. */
const ZERO_WIDTH_SPACE = '&#8203;';

/** `text` with line breaks normalized to `\n` and every invisible character shown as `‹U+XXXX›`. */
export function cleanText(text: string): string {
  return text
    .replace(LINE_BREAKS, '\n')
    .replace(INVISIBLE, (char) => `‹U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}›`);
}

/** `cleanText` on one line: every run of whitespace that holds a line break (or a tab) becomes one space. */
function oneLine(text: string): string {
  return cleanText(text).replace(/[ \t]*[\n\t][\s]*/g, ' ');
}

function escapeHtmlChars(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char);
}

/** Stops GitHub from turning `@name` into a mention, and `http://…`, `www.…` or an e-mail address into a link. */
function neutralizeMentionsAndLinks(text: string): string {
  return text
    .replace(/@/g, `@${ZERO_WIDTH_SPACE}`)
    .replace(/:\/\//g, `:${ZERO_WIDTH_SPACE}//`)
    .replace(/\b(www)\./gi, `$1${ZERO_WIDTH_SPACE}.`);
}

/**
 * Plain text in markdown (a heading, a list item, a paragraph, inline HTML such as `<sub>`): one
 * line, markdown punctuation backslash-escaped (no emphasis, link, image, code or table pipe can
 * start), `&`, `<`, `>` as entities (no HTML, no comment), no mention, no autolink.
 */
export function markdownText(text: string): string {
  const escaped = oneLine(text)
    .replace(/[\\`*_{}[\]()#!|~]/g, (char) => `\\${char}`)
    .replace(/[&<>]/g, (char) => HTML_ENTITIES[char] ?? char)
    // at the start of a line these begin a list, a quote or a setext heading
    .replace(/^(\d+)([.)])/, '$1\\$2')
    .replace(/^([-+=])/, '\\$1');
  return neutralizeMentionsAndLinks(escaped);
}

/** One cell of a markdown table: `markdownText`, whose escapes include `|` and every line break. */
export function tableCell(text: string): string {
  return markdownText(text);
}

/**
 * Inline code: one line, between backtick fences longer than any backtick run in the text, padded
 * with a space when the text begins or ends with a backtick or a space (markdown strips one each side).
 */
export function inlineCode(text: string): string {
  const body = oneLine(text);
  if (body === '') return '` `';
  const fence = '`'.repeat(longestRun(body, '`') + 1);
  const pad = /^[` ]|[` ]$/.test(body) ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** A fenced code block that the text cannot close early: the fence is longer than any backtick run in it. */
export function fencedBlock(text: string, language = 'text'): string {
  const body = cleanText(text).replace(/\s+$/, '');
  const fence = '`'.repeat(Math.max(3, longestRun(body, '`') + 1));
  return `${fence}${language}\n${body}\n${fence}`;
}

/**
 * Text inside an HTML block of GitHub markdown (`<details>`, `<summary>`, `<code>` there): HTML
 * escaped and on one line, as a blank line would end the HTML block and let the rest be markdown;
 * no mention, no autolink.
 */
export function detailsText(text: string): string {
  return neutralizeMentionsAndLinks(escapeHtmlChars(oneLine(text)));
}

/**
 * Code inside an HTML block of GitHub markdown: `<code>…</code>` with the text HTML escaped and on
 * one line (GitHub makes no mention inside `<code>`).
 */
export function detailsCode(text: string): string {
  return `<code>${escapeHtmlChars(oneLine(text))}</code>`;
}

/** Text content of an HTML element (line breaks kept, for `<pre>`). */
export function htmlText(text: string): string {
  return escapeHtmlChars(cleanText(text));
}

/** A quoted HTML attribute value; line breaks as `&#10;`. */
export function htmlAttribute(text: string): string {
  return escapeHtmlChars(cleanText(text)).replace(/\n/g, '&#10;');
}

/** A markdown link to `url`: `text` escaped, and the characters that would end the destination percent-encoded. */
export function markdownLink(text: string, url: string): string {
  const destination = oneLine(url).replace(/[\s()<>\\]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `[${markdownText(text)}](${destination})`;
}

/**
 * A user string for a terminal: ANSI escape sequences removed (a name cannot move the cursor,
 * clear the screen or recolour the output), other invisible characters shown, and on one line. In a
 * GitHub Actions log it cannot be a workflow command either: the runner takes `::command::` at the
 * start of a line after leading white space, and the legacy `##[command]` anywhere in it, so a
 * leading `::` becomes `\::` and `##[` becomes `##\[`.
 */
export function terminalText(text: string): string {
  return oneLine(stripVTControlCharacters(text))
    .replace(/^(\s*)::/, '$1\\::')
    .replace(/##\[/g, '##\\[');
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const each of text) {
    run = each === char ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}
