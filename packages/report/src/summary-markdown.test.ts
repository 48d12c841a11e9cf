import { describe, expect, it } from 'vitest';
import { renderSummary } from './summary-markdown.js';
import { defaultSampleValue, sampleResults } from './testing/sample-results.js';

/** The rows of the markdown table under `### <metric>`, split into cells (respecting `\|`). */
function tableOf(markdown: string, metric: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`### ${metric} `));
  expect(start, `section for ${metric}`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

const BEST = '★';

describe('renderSummary', () => {
  const results = sampleResults();
  const markdown = renderSummary(results);

  it('says how each dataset was split and the rows on each side, escaped: one line for one split, else one per dataset', () => {
    const [first, second] = results.datasets as [string, string];
    const same = renderSummary({
      ...results,
      splits: { [first]: { split: 'random: 20% test, seed 42', train: 80, test: 20 }, [second]: { split: 'random: 20% test, seed 42' } },
    });
    expect(same).toContain(`**Split**: random: 20% test, seed 42 · ${first} 80 train / 20 test rows · ${second} rows not counted`);
    const mixed = renderSummary({
      ...results,
      splits: {
        [first]: { split: 'ordered: sold_at >= <b>2024</b> is test', train: 70, test: 30 },
        [second]: { split: 'its own test file', train: 50, test: 10 },
      },
    });
    expect(mixed).toContain(
      `**Splits**:\n- ${first}: ordered: sold\\_at &gt;= &lt;b&gt;2024&lt;/b&gt; is test · 70 train / 30 test rows\n`,
    );
    expect(mixed).toContain(`- ${second}: its own test file · 50 train / 10 test rows`);
    expect(markdown).not.toContain('**Split');
  });

  it('has a status line with counts by status, backend and run id', () => {
    expect(markdown).toContain(`**${results.cells.length} cells**`);
    expect(markdown).toContain(`${results.totals.succeeded} succeeded`);
    expect(markdown).toContain('1 cached');
    expect(markdown).toContain('1 failed');
    expect(markdown).toContain(`\`${results.backend}\``);
    expect(markdown).toContain(results.runId);
  });

  it('renders one m × n table per metric, rows and columns in experiment order', () => {
    for (const metric of results.evaluation.metrics) {
      const [header, align, ...rows] = tableOf(markdown, metric);
      expect(header).toEqual(['variant', ...results.datasets]);
      expect(align).toHaveLength(results.datasets.length + 1);
      expect(rows.map((row) => row[0]?.replace(/\\/g, ''))).toEqual(results.variants);
      for (const row of rows) expect(row).toHaveLength(results.datasets.length + 1);
    }
  });

  it('shows failed, cancelled and cached cells as such', () => {
    const withCancel = sampleResults({
      status: (v, d) => (v === 0 && d === 0 ? 'cancelled' : v === 2 && d === 2 ? 'failed' : v === 1 && d === 1 ? 'cached' : 'succeeded'),
    });
    const rows = tableOf(renderSummary(withCancel), 'rmse').slice(2);
    expect(rows[0]?.[1]).toBe('–');
    expect(rows[2]?.[3]).toBe('✗ failed');
    const cached = withCancel.cells.find((cell) => cell.status === 'cached')!;
    expect(rows[1]?.[2]).toContain(String(cached.metrics.rmse));
  });

  it.each(['rmse', 'r2'])('marks the best cell of each column for %s (lower- and higher-is-better)', (metric) => {
    const rows = tableOf(markdown, metric).slice(2);
    results.datasets.forEach((dataset, column) => {
      const usable = results.cells.filter((cell) => cell.dataset === dataset && cell.status !== 'failed');
      const values = usable.map((cell) => cell.metrics[metric]!);
      const bestValue = metric === 'rmse' ? Math.min(...values) : Math.max(...values);
      const expectedRows = results.variants
        .map((variant, index) => ({ variant, index }))
        .filter(({ variant }) => usable.some((cell) => cell.variant === variant && cell.metrics[metric] === bestValue))
        .map(({ index }) => index);
      const markedRows = rows.map((row, index) => (row[column + 1]?.includes(BEST) ? index : -1)).filter((index) => index >= 0);
      expect(markedRows).toEqual(expectedRows);
      for (const index of markedRows) expect(rows[index]?.[column + 1]).toMatch(/^\*\*[^*]+\*\*/);
    });
  });

  it('shows the change against a baseline with a direction-aware arrow', () => {
    // The baseline was 10 % worse on rmse (higher) and better on r2 (higher) everywhere.
    const baseline = sampleResults({
      runId: 'base',
      status: () => 'succeeded',
      value: (metric, v, d) => (metric === 'rmse' ? defaultSampleValue(metric, v, d) * 1.1 : defaultSampleValue(metric, v, d) + 0.05),
    });
    const text = renderSummary(results, { baseline });
    expect(text).toContain('base');
    const rmse = tableOf(text, 'rmse')
      .slice(2)
      .flatMap((row) => row.slice(1))
      .filter((cell) => cell !== '✗ failed');
    const r2 = tableOf(text, 'r2')
      .slice(2)
      .flatMap((row) => row.slice(1))
      .filter((cell) => cell !== '✗ failed');
    expect(rmse.length).toBeGreaterThan(0);
    for (const cell of rmse) expect(cell).toMatch(/▲ −\S+ \(−9\.1%\)$/);
    for (const cell of r2) expect(cell).toMatch(/▼ −0\.05\d*/);
  });

  it('matches baseline cells by variant and dataset when the ids differ, and marks new cells', () => {
    const baseline = sampleResults({ runId: 'base', datasets: ['seoul', 'busan'] });
    for (const cell of baseline.cells) cell.id = `old:${cell.id}`;
    const rows = tableOf(renderSummary(results, { baseline }), 'rmse').slice(2);
    expect(rows[0]?.[1]).toMatch(/ =$/);
    expect(rows[0]?.[3]).toContain('(new)');
  });

  it('escapes names and keeps error text inside its code block', () => {
    const odd = sampleResults({
      variants: ['a|b', '<img src=x>', 'c_d*'],
      error: 'line one\n```\n<script>alert(1)</script>\nfinal reason',
    });
    const text = renderSummary(odd);
    const rows = tableOf(text, 'rmse');
    for (const row of rows) expect(row).toHaveLength(odd.datasets.length + 1);
    expect(text).not.toContain('<img');
    expect(text).toContain('````text\nline one\n```\n<script>');
    expect(text).toMatch(/<details><summary><code>c_d\*@jeju<\/code> — exit code 1, 2 attempts<\/summary>/);
  });

  it('lists failed cells with exit code and the log tail in a collapsible block', () => {
    const failed = results.cells.find((cell) => cell.status === 'failed')!;
    const section = markdown.slice(markdown.indexOf('### Failed cells'));
    expect(section).toContain(`### Failed cells (1)`);
    expect(section).toContain(`<code>${failed.id}</code> — exit code ${failed.exitCode}`);
    expect(section).toContain(failed.error!.split('\n')[1]!);
    expect(section).toContain('</details>');
  });
});

describe('renderSummary with maxChars', () => {
  const results = sampleResults({ error: `${'noise line\n'.repeat(300)}ValueError: the reason` });
  const full = renderSummary(results);

  it('returns the full text when it fits', () => {
    expect(renderSummary(results, { maxChars: full.length })).toBe(full);
  });

  it('drops log tails first, keeping every metric and a one-line reason', () => {
    const text = renderSummary(results, { maxChars: full.length - 1, reportUrl: 'https://example.test/report.html' });
    expect(text.length).toBeLessThanOrEqual(full.length - 1);
    expect(text).not.toContain('<details>');
    for (const metric of results.evaluation.metrics) expect(tableOf(text, metric).length).toBe(results.variants.length + 2);
    expect(text).toContain('ValueError: the reason');
    expect(text.trimEnd().split('\n').pop()).toContain('(https://example.test/report.html)');
  });

  it('then drops metrics after the first', () => {
    const noLogs = renderSummary(results, { maxChars: full.length - 1 });
    const text = renderSummary(results, { maxChars: noLogs.length - 200 });
    expect(text.length).toBeLessThanOrEqual(noLogs.length - 200);
    expect(tableOf(text, 'rmse').length).toBe(results.variants.length + 2);
    expect(text).not.toContain('### r2');
    expect(text.trimEnd().split('\n').pop()).toMatch(/^_Shortened to fit/);
  });

  it('cuts a matrix too large for the limit at whole lines', () => {
    const variants = Array.from({ length: 160 }, (_, i) => `model-${i}[p=${i}]`);
    const datasets = Array.from({ length: 50 }, (_, i) => `region-${i}`);
    const big = sampleResults({ variants, datasets, status: () => 'succeeded' });
    const text = renderSummary(big, { maxChars: 65_536 });
    expect(renderSummary(big).length).toBeGreaterThan(65_536);
    expect(text.length).toBeLessThanOrEqual(65_536);
    expect(text).toMatch(/more lines left out/);
    const rows = tableOf(text, 'rmse');
    for (const row of rows) expect(row).toHaveLength(datasets.length + 1);
  });
});
