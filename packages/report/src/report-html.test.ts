import { describe, expect, it } from 'vitest';
import { isLowerBetter } from '@mxn/core';
import { renderReportHtml } from './report-html.js';
import { defaultSampleValue, sampleResults } from './testing/sample-results.js';

/** The heatmap panel of `metric`: its opening tag and its body rows as arrays of `<td>` tags + text. */
function heatmap(
  html: string,
  metric: string,
): { tag: string; rows: Array<{ header: string; cells: Array<{ attrs: string; text: string }> }>; columns: string[] } {
  const match = new RegExp(`(<div class="wrap" data-heatmap="${metric}"[^>]*>)([\\s\\S]*?)</table></div>`).exec(html);
  expect(match, `heatmap of ${metric}`).not.toBeNull();
  const [, tag, body] = match!;
  const columns = [...body!.split('</thead>')[0]!.matchAll(/<th scope="col">([^<]*)<\/th>/g)].map((m) => m[1]!).slice(1);
  const rows = [...body!.split('<tbody>')[1]!.matchAll(/<tr><th scope="row">([^<]*)<\/th>([\s\S]*?)<\/tr>/g)].map((row) => ({
    header: row[1]!,
    cells: [...row[2]!.matchAll(/<td([^>]*)>([\s\S]*?)<\/td>/g)].map((cell) => ({ attrs: cell[1]!, text: cell[2]! })),
  }));
  return { tag: tag!, rows, columns };
}

const hue = (attrs: string): number | undefined => {
  const match = /hsl\((\d+),/.exec(attrs);
  return match ? Number(match[1]) : undefined;
};

describe('renderReportHtml', () => {
  const results = sampleResults();
  const html = renderReportHtml(results);

  it('is self-contained: no external scripts, styles or images', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<(script|img|iframe)[^>]+src=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('<style>');
    expect(html).toContain('<script>');
  });

  it('shows the run facts in the header', () => {
    for (const fact of [results.experiment, results.runId, results.backend, results.startedAt, results.finishedAt]) {
      expect(html).toContain(fact);
    }
  });

  it('shows the main metric heatmap and hides the others behind a selector', () => {
    const [main, ...others] = results.evaluation.metrics;
    expect(heatmap(html, main!).tag).not.toContain('hidden');
    for (const metric of others) expect(heatmap(html, metric).tag).toContain('hidden');
    const options = [...html.matchAll(/<option value="([^"]+)"( selected)?>/g)];
    expect(options.map((option) => option[1])).toEqual(results.evaluation.metrics);
    expect(options.find((option) => option[2])?.[1]).toBe(main);
  });

  it.each(['rmse', 'r2'])('lays out %s as variants × datasets and colours each column by direction', (metric) => {
    const { rows, columns } = heatmap(html, metric);
    expect(columns).toEqual(results.datasets);
    expect(rows.map((row) => row.header)).toEqual(results.variants);
    results.datasets.forEach((dataset, column) => {
      const values = results.variants
        .map((variant) => results.cells.find((cell) => cell.variant === variant && cell.dataset === dataset)!)
        .map((cell) => (cell.status === 'failed' ? undefined : cell.metrics[metric]));
      const usable = values.filter((value): value is number => value !== undefined);
      const best = isLowerBetter(metric) ? Math.min(...usable) : Math.max(...usable);
      const worst = isLowerBetter(metric) ? Math.max(...usable) : Math.min(...usable);
      values.forEach((value, row) => {
        const cell = rows[row]!.cells[column]!;
        if (value === undefined) {
          expect(cell.attrs).toContain('class="failed"');
          expect(cell.text).toContain('failed');
          return;
        }
        expect(cell.attrs.includes('class="best"')).toBe(value === best);
        expect(cell.text.includes('★')).toBe(value === best);
        if (value === best) expect(hue(cell.attrs)).toBe(120);
        if (value === worst) expect(hue(cell.attrs)).toBe(0);
      });
    });
  });

  it('lists every cell in a sortable table with numeric sort keys', () => {
    const table = /<table id="cells" class="sortable">([\s\S]*?)<\/table>/.exec(html)![1]!;
    const headers = [...table.matchAll(/<th scope="col" data-type="(\w+)">([^<]*)<\/th>/g)].map((m) => [m[2], m[1]]);
    expect(headers.map(([name]) => name)).toEqual([
      'id',
      'model',
      'variant',
      'dataset',
      'status',
      'attempts',
      'duration',
      ...results.evaluation.metrics,
      'error',
    ]);
    expect(Object.fromEntries(headers)).toMatchObject({ duration: 'number', rmse: 'number', id: 'text' });
    const bodyRows = table.split('<tbody>')[1]!.match(/<tr>/g) ?? [];
    expect(bodyRows).toHaveLength(results.cells.length);
    const first = results.cells[0]!;
    expect(table).toContain(`data-sort="${first.durationMs}"`);
    expect(table).toContain(`data-sort="${first.metrics.rmse}"`);
  });

  it('escapes every piece of text from the results', () => {
    const hostile = sampleResults({
      variants: ['<b>bold</b>', 'a"quote', "it's"],
      error: 'boom\n</script><script>alert(1)</script>\n<img src=x onerror=alert(2)>',
    });
    hostile.description = '<i>desc</i> & more';
    const text = renderReportHtml(hostile);
    expect(text.match(/<script>/g)).toHaveLength(1);
    expect(text).not.toContain('<b>bold');
    expect(text).not.toContain('<img');
    expect(text).not.toContain('<i>desc');
    expect(text).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(text).toContain('&lt;/script&gt;&lt;script&gt;alert(1)');
    expect(text).toContain('a&quot;quote');
    expect(text).toContain('&amp; more');
  });

  it('shows the change against a baseline in the heatmap, better or worse by direction', () => {
    const baseline = sampleResults({
      runId: 'baseline-run',
      status: () => 'succeeded',
      value: (metric, v, d) => (isLowerBetter(metric) ? defaultSampleValue(metric, v, d) * 2 : defaultSampleValue(metric, v, d) + 0.1),
    });
    const text = renderReportHtml(results, { baseline });
    expect(text).toContain('baseline-run');
    const rmse = heatmap(text, 'rmse')
      .rows.flatMap((row) => row.cells)
      .filter((cell) => !cell.attrs.includes('failed'));
    const r2 = heatmap(text, 'r2')
      .rows.flatMap((row) => row.cells)
      .filter((cell) => !cell.attrs.includes('failed'));
    for (const cell of rmse) expect(cell.text).toMatch(/<span class="delta better">▲ −\S+ \(−50%\)<\/span>/);
    for (const cell of r2) expect(cell.text).toMatch(/<span class="delta worse">▼ −0\.1/);
  });
});
