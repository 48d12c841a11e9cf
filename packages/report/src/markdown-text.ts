/** Escaping for text placed into GitHub-flavoured markdown and the HTML it allows. */

/** Escapes markdown punctuation (and `|`, so the text is safe inside a table cell); `&`, `<`, `>` become entities. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_|~#[\]]/g, (char) => `\\${char}`)
    .replace(/[&<>]/g, (char) => HTML_ENTITIES[char] ?? char)
    .replace(/\r?\n/g, ' ');
}

/** Escapes text for HTML: element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** A fenced code block that the text cannot close early: the fence is longer than any backtick run in it. */
export function codeBlock(text: string, language = 'text'): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${text.replace(/\s+$/, '')}\n${fence}`;
}
