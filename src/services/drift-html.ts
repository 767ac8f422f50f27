import type { BarChart, DriftChart, HistogramChart } from '../core/monitoring/drift-chart.js';
import type { DriftAnalysis, DriftColumnReport } from '../core/monitoring/drift-report.js';

/**
 * The drift report as one self-contained HTML page (`mooring drift report --html FILE`): a summary, a table of
 * every column, and per column its test, statistic, p-value, threshold and verdict with a chart drawn as inline
 * SVG: reference and current histograms over common bins for a numerical column, bar pairs per category for a
 * categorical one. No external assets and no scripts, so it opens anywhere and can be mailed or archived.
 * Everything that comes from user data (model, column and category names) is escaped.
 */

/** What the page says besides the analysis. */
export interface DriftHtmlOptions {
  /** When the report was made (epoch ms). */
  readonly generatedAt: number;
  /** The window in words, e.g. "the last 1000 predictions before now". */
  readonly window: string;
}

const REFERENCE_COLOUR = '#4c78a8';
const CURRENT_COLOUR = '#f58518';

/** Escapes text for HTML (element content and quoted attribute values alike). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** Renders the page. */
export function renderDriftHtml(analysis: DriftAnalysis, options: DriftHtmlOptions): string {
  const { report, charts } = analysis;
  const features = report.columns.filter((c) => c.kind === 'feature');
  const drifted = features.filter((c) => c.drift).length;
  const title = `Drift report: ${report.model} version ${report.version}`;
  const summary: [string, string][] = [
    ['Dataset drift', report.dataset_drift ? 'yes' : 'no'],
    ['Drifted features', `${drifted} of ${features.length} (share ${fmt(report.drift_share)}; the dataset drifts at 0.5)`],
    ['Reference rows', String(report.reference_rows)],
    ['Current rows', String(report.current_rows)],
    ['Window', options.window],
    ['Generated', new Date(options.generatedAt).toISOString()],
  ];
  const sections = report.columns.map((c, i) => columnSection(c, charts[i] ?? null, i));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 2em auto; max-width: 980px; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin: 0; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { text-align: left; padding: 0.25em 0.8em 0.25em 0; border-bottom: 1px solid #e4e4e4; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.drift { color: #b00020; font-weight: 600; }
.ok { color: #1b7f3b; }
.none { color: #777; }
section { border: 1px solid #ddd; border-radius: 6px; padding: 1em; margin: 1em 0; }
.legend span { display: inline-block; width: 0.9em; height: 0.9em; margin: 0 0.3em 0 1em; vertical-align: middle; }
svg text { font: 11px system-ui, sans-serif; fill: #444; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="${report.dataset_drift ? 'drift' : 'ok'}">${report.dataset_drift ? 'The dataset drifted.' : 'No dataset drift.'}</p>
<table>
${summary.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n')}
</table>
<h2>Columns</h2>
<table>
<tr><th>Column</th><th>Kind</th><th>Type</th><th>Test</th><th>Statistic</th><th>p-value</th><th>Threshold</th><th>Verdict</th></tr>
${report.columns.map((c, i) => overviewRow(c, i)).join('\n')}
</table>
<p class="legend">Charts:<span style="background:${REFERENCE_COLOUR}"></span>reference (training profile)<span style="background:${CURRENT_COLOUR}"></span>current window</p>
${sections.join('\n')}
</body>
</html>
`;
}

function overviewRow(c: DriftColumnReport, i: number): string {
  return (
    `<tr><td><a href="#column-${i}">${escapeHtml(c.name)}</a></td><td>${c.kind}</td><td>${c.type}</td><td>${escapeHtml(c.method)}</td>` +
    `<td class="num">${fmt(c.statistic)}</td><td class="num">${fmt(c.p_value)}</td><td class="num">${fmt(c.threshold)}</td><td>${verdict(c)}</td></tr>`
  );
}

function verdict(c: DriftColumnReport): string {
  if (c.statistic === null && !c.drift) return '<span class="none">no data</span>';
  return c.drift ? '<span class="drift">drift</span>' : '<span class="ok">no drift</span>';
}

/** What the test compares, in words. */
function rule(c: DriftColumnReport): string {
  const t = fmt(c.threshold);
  switch (c.method) {
    case 'ks':
      return `Kolmogorov-Smirnov two-sample test: drift when p &lt;= ${t}`;
    case 'chisquare':
      return `chi-square test: drift when p &lt; ${t}`;
    case 'ztest':
      return `Z test for proportions: drift when p &lt; ${t}`;
    case 'wasserstein':
      return `Wasserstein distance / std(reference): drift when &gt;= ${t}`;
    case 'jensenshannon':
      return `Jensen-Shannon distance: drift when &gt;= ${t}`;
    case 'psi':
      return `population stability index: drift when &gt;= ${t}`;
  }
}

function columnSection(c: DriftColumnReport, chart: DriftChart | null, i: number): string {
  const stats =
    `<p>${c.kind === 'feature' ? 'Feature' : 'Prediction'}, ${c.type}. ${rule(c)}. ` +
    `Statistic ${fmt(c.statistic)}${c.p_value === null ? '' : `, p-value ${fmt(c.p_value)}`}: ${verdict(c)}.</p>`;
  const svg = chart === null ? '<p class="none">No values to draw.</p>' : chart.kind === 'histogram' ? histogramSvg(chart) : barSvg(chart);
  return `<section id="column-${i}">\n<h2>${escapeHtml(c.name)}</h2>\n${stats}\n${svg}\n</section>`;
}

function histogramSvg(h: HistogramChart): string {
  const width = 640;
  const height = 220;
  const left = 48;
  const bottom = 28;
  const top = 10;
  const plotW = width - left - 10;
  const plotH = height - top - bottom;
  const bins = h.reference.length;
  const max = Math.max(1e-12, ...h.reference, ...h.current);
  const binW = plotW / bins;
  const bars: string[] = [];
  for (let b = 0; b < bins; b++) {
    const x = left + b * binW;
    const range = `[${fmt(h.edges[b]!)}, ${fmt(h.edges[b + 1]!)}${b === bins - 1 ? ']' : ')'}`;
    for (const [k, share, colour] of [
      [0, h.reference[b]!, REFERENCE_COLOUR],
      [1, h.current[b]!, CURRENT_COLOUR],
    ] as const) {
      const barH = (share / max) * plotH;
      bars.push(
        `<rect x="${num(x + 1 + (k * (binW - 2)) / 2)}" y="${num(top + plotH - barH)}" width="${num(Math.max(0.5, (binW - 2) / 2))}" height="${num(barH)}" fill="${colour}">` +
          `<title>${k === 0 ? 'reference' : 'current'} ${range}: ${fmt(share)}</title></rect>`,
      );
    }
  }
  const axis =
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#888"/>` +
    `<text x="${left}" y="${height - 8}">${escapeHtml(fmt(h.edges[0]!))}</text>` +
    `<text x="${left + plotW}" y="${height - 8}" text-anchor="end">${escapeHtml(fmt(h.edges[bins]!))}</text>` +
    `<text x="${left - 4}" y="${top + 10}" text-anchor="end">${escapeHtml(fmt(max))}</text>` +
    `<text x="${left - 4}" y="${top + plotH}" text-anchor="end">0</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="histogram of reference and current shares">${axis}${bars.join('')}</svg>`;
}

function barSvg(chart: BarChart): string {
  const rows = chart.categories.map((name, i) => ({ name, r: chart.reference[i]!, c: chart.current[i]! }));
  if (chart.rest.reference > 0 || chart.rest.current > 0) rows.push({ name: '(other categories)', r: chart.rest.reference, c: chart.rest.current });
  const labelW = 180;
  const width = 640;
  const rowH = 26;
  const plotW = width - labelW - 70;
  const height = rows.length * rowH + 10;
  const max = Math.max(1e-12, ...rows.map((r) => Math.max(r.r, r.c)));
  const parts = rows.map((row, i) => {
    const y = 5 + i * rowH;
    const label = row.name.length > 28 ? `${row.name.slice(0, 27)}…` : row.name;
    const bar = (share: number, dy: number, colour: string, what: string): string =>
      `<rect x="${labelW}" y="${y + dy}" width="${num(Math.max(0.5, (share / max) * plotW))}" height="10" fill="${colour}">` +
      `<title>${what} ${escapeHtml(row.name)}: ${fmt(share)}</title></rect>` +
      `<text x="${num(labelW + (share / max) * plotW + 4)}" y="${y + dy + 9}">${fmt(share)}</text>`;
    return (
      `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${escapeHtml(label)}</text>` +
      bar(row.r, 1, REFERENCE_COLOUR, 'reference') +
      bar(row.c, 12, CURRENT_COLOUR, 'current')
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="reference and current share per category">${parts.join('')}</svg>`;
}

/** A number for people: up to 4 significant digits, `-` for null. */
function fmt(v: number | null): string {
  if (v === null) return '-';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/** A coordinate for SVG: two decimals. */
function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}
