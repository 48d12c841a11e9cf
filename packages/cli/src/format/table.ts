import { stripVTControlCharacters } from 'node:util';

/** A plain-text table with aligned columns (width by visible characters). */
export function textTable(rows: string[][], options: { alignRight?: (column: number) => boolean } = {}): string {
  const width = (text: string) => [...stripVTControlCharacters(text)].length;
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, width(cell));
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, index) => {
          const pad = ' '.repeat(widths[index]! - width(cell));
          return options.alignRight?.(index) ? pad + cell : cell + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
