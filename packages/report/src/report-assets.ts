/** The inline stylesheet and script of `report.html` (no external assets). */

export const REPORT_CSS = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; \
color: var(--fg); }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; }
.description { color: var(--muted); margin: 0 0 12px; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 8px 16px; margin: 12px 0; \
padding: 12px; background: var(--bg-soft); border: 1px solid var(--line); border-radius: 6px; }
dl.facts div { min-width: 0; }
dl.facts dt { color: var(--muted); font-size: 12px; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.toolbar { display: flex; align-items: center; gap: 8px; margin-bottom: 8px; }
.legend { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 6px 10px; vertical-align: top; }
th { background: var(--bg-soft); text-align: left; }
table.heatmap caption { text-align: left; color: var(--muted); padding: 4px 0; }
table.heatmap td { text-align: right; min-width: 110px; }
table.heatmap th[scope=row] { white-space: nowrap; }
td.best { font-weight: 700; }
td.failed { background: #ffebe9; color: #82071e; }
td.cancelled, td.missing { background: #eef1f4; color: var(--muted); }
.delta { display: block; font-size: 11px; font-weight: 400; }
.delta.better { color: #116329; }
.delta.worse { color: #a40e26; }
.delta.differs { color: #9a6700; }
th .settings { display: block; font-size: 11px; font-weight: 400; color: #59636e; }
.wrap { overflow-x: auto; }
table.sortable th { cursor: pointer; user-select: none; white-space: nowrap; }
table.sortable th::after { content: " ↕"; color: #9aa4ae; }
table.sortable th[aria-sort=ascending]::after { content: " ▲"; color: var(--fg); }
table.sortable th[aria-sort=descending]::after { content: " ▼"; color: var(--fg); }
td.num { text-align: right; }
.status { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 12px; }
.status.succeeded { background: #dafbe1; color: #116329; }
.status.cached { background: #ddf4ff; color: #0550ae; }
.status.failed { background: #ffebe9; color: #82071e; }
.status.cancelled { background: #eef1f4; color: var(--muted); }
td.error { max-width: 360px; }
td.error summary { cursor: pointer; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
td.error pre { white-space: pre-wrap; font-size: 12px; max-height: 240px; overflow: auto; background: var(--bg-soft); padding: 6px; }
`;

export const REPORT_JS = `
(() => {
  const select = document.getElementById('metric');
  if (select) select.addEventListener('change', () => {
    for (const panel of document.querySelectorAll('[data-heatmap]')) panel.hidden = panel.dataset.heatmap !== select.value;
  });
  for (const table of document.querySelectorAll('table.sortable')) {
    const headers = [...table.tHead.rows[0].cells];
    headers.forEach((th, index) => {
      const sort = () => {
        const ascending = th.getAttribute('aria-sort') !== 'ascending';
        for (const other of headers) other.removeAttribute('aria-sort');
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        const numeric = th.dataset.type === 'number';
        const key = (row) => {
          const cell = row.cells[index];
          return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
        };
        const body = table.tBodies[0];
        const rows = [...body.rows].sort((a, b) => {
          const x = key(a), y = key(b);
          if (numeric) {
            const nx = x === '' ? NaN : Number(x), ny = y === '' ? NaN : Number(y);
            if (Number.isNaN(nx) || Number.isNaN(ny)) return Number.isNaN(nx) - Number.isNaN(ny);
            return ascending ? nx - ny : ny - nx;
          }
          const order = x.localeCompare(y, undefined, { numeric: true });
          return ascending ? order : -order;
        });
        body.append(...rows);
      };
      th.tabIndex = 0;
      th.addEventListener('click', sort);
      th.addEventListener('keydown', (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); sort(); } });
    });
  }
})();
`;
