/** Every user string of a run, made hostile, through summary.md, report.html and the terminal table: the shape stays. */
import type { ExperimentResults } from '@mxn/core';
import { describe, expect, it } from 'vitest';
import { renderReportHtml } from './report-html.js';
import { renderSummary } from './summary-markdown.js';
import {
  HOSTILE_STRINGS,
  htmlTagCounts,
  INVISIBLE_CHARACTERS,
  markdownHazards,
  markdownSkeleton,
  outsideCode,
  resultsWithSuffix,
  tableCells,
} from './testing/hostile-strings.js';
import { renderTextTable } from './text-table.js';

const plain = resultsWithSuffix('');

/** What a reader sees of an escaped markdown table cell. */
function unescapeMarkdown(text: string): string {
  return text
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/&#8203;/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** A hostile string as it should read on one line: line breaks and tabs as one space, invisible characters shown. */
function asOneLine(text: string): string {
  return (
    text
      .replace(/\r\n|\r/g, '\n')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
      .replace(/[\u0000-\u0008\u000E-\u001F\u007F\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/gu, (char) => {
        return `‹U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}›`;
      })
      .replace(/[ \t]*[\n\t]\s*/g, ' ')
  );
}

describe.each(HOSTILE_STRINGS.map((text) => [JSON.stringify(text), text]))('a run whose names end in %s', (_, hostile) => {
  const results = resultsWithSuffix(hostile);

  it('renders summary.md with the same structure as plain names, and nothing live outside code', () => {
    for (const baseline of [undefined, { base: plain, hostile: results }]) {
      const markdown = renderSummary(results, baseline ? { baseline: baseline.hostile } : {});
      const expected = renderSummary(plain, baseline ? { baseline: baseline.base } : {});
      expect(markdownSkeleton(markdown)).toEqual(markdownSkeleton(expected));
      expect(markdownHazards(markdown)).toEqual([]);
      expect(outsideCode(markdown).match(/<details>/g)).toHaveLength(1);
      expect(outsideCode(markdown).match(/<\/details>/g)).toHaveLength(1);
    }
  });

  it('shows each name in the table as written, on one line', () => {
    const markdown = renderSummary(results);
    const lines = markdown.split('\n');
    const header = lines.find((line) => line.startsWith('| variant |'))!;
    expect(tableCells(header).slice(1).map(unescapeMarkdown)).toEqual(results.datasets.map((name) => asOneLine(name).trim()));
    const rows = lines.filter((line) => /^\| (ridge|knn)/.test(line)).slice(0, 2);
    const variantCell = (row: string) => unescapeMarkdown(tableCells(row)[0]!.replace(/ <sub>.*<\/sub>$/, '')).trim();
    expect(rows.map(variantCell)).toEqual(results.variants.map((name) => asOneLine(name).trim()));
  });

  it('shows fixed params and env next to the variant, and names a baseline with other settings, in the same shape', () => {
    const otherSettings = (run: ExperimentResults, suffix: string): ExperimentResults => ({
      ...run,
      cells: run.cells.map((cell) => ({ ...cell, fixed: { seed: `8${suffix}` }, params: { ...cell.params, seed: `8${suffix}` } })),
    });
    const markdown = renderSummary(results, { baseline: otherSettings(results, hostile) });
    expect(markdownSkeleton(markdown)).toEqual(markdownSkeleton(renderSummary(plain, { baseline: otherSettings(plain, '') })));
    expect(markdownHazards(markdown)).toEqual([]);
    expect(markdown).toContain('runs with other settings than in the baseline: seed');
    expect(markdown).toContain('≠ settings');
    expect(markdown).toMatch(/<sub>seed=7.* · env OMP\\_NUM\\_THREADS=1/);
    const html = renderReportHtml(results, { baseline: otherSettings(results, hostile) });
    expect(htmlTagCounts(html)).toEqual(htmlTagCounts(renderReportHtml(plain, { baseline: otherSettings(plain, '') })));
    expect(html).toContain('<span class="settings">seed=7');
    expect(html).not.toMatch(INVISIBLE_CHARACTERS);
  });

  it('keeps the shortened summary (log tails dropped) in shape', () => {
    const full = renderSummary(results);
    const short = renderSummary(results, { maxChars: full.length - 1 });
    expect(markdownHazards(short)).toEqual([]);
    expect(markdownSkeleton(short)).toEqual(markdownSkeleton(renderSummary(plain, { maxChars: renderSummary(plain).length - 1 })));
  });

  it('renders report.html with the same tags as plain names, and no invisible character', () => {
    const html = renderReportHtml(results, { baseline: results });
    expect(htmlTagCounts(html)).toEqual(htmlTagCounts(renderReportHtml(plain, { baseline: plain })));
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(INVISIBLE_CHARACTERS);
  });

  it('prints the terminal table with one line per variant and no escape sequence', () => {
    const table = renderTextTable(results);
    expect(table.split('\n')).toHaveLength(renderTextTable(plain).split('\n').length);
    expect(table).not.toMatch(INVISIBLE_CHARACTERS);
    expect(table).not.toMatch(/^\s*::|##\[/m);
  });
});
