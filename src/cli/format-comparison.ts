import type { ComparisonReportDto } from '../protocol/admin/comparison-dto.js';
import type { DeploymentChangeDto } from '../protocol/admin/deployment-dto.js';
import { formatFields, formatTable } from './table.js';

/** How each agreement rule reads in the human report. */
const RULES: Readonly<Record<string, string>> = {
  class: 'same predicted class',
  argmax: 'same argmax of the probabilities',
  threshold: 'same side of 0.5',
  tolerance: 'within 1e-6 relative',
  mixed: 'several rules',
};

/** A shadow report or a replay as the CLI prints it without `--json`. */
export function formatComparisonReport(r: ComparisonReportDto): string {
  const v = r.primary_versions;
  const primaries = v.length === 0 ? 'production' : `version${v.length > 1 ? 's' : ''} ${v.join(', ')}`;
  const title =
    r.source === 'shadow'
      ? `shadow report: ${r.model} version ${r.version} against ${primaries}`
      : `replay: ${r.model} version ${r.version} on requests answered by ${primaries}`;
  const range = `${r.since ?? 'the newest requests'} .. ${r.until}${r.truncated ? ' (cut at the read bound: the newest only)' : ''}`;
  const codes = Object.entries(r.error_detail.codes)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  const skippedWhy = r.source === 'shadow' ? 'shadow runs without their primary record' : 'logged bodies that could not be read';
  const fields: Array<[string, string]> = [
    ['range', range],
    ['requests', `${r.requests}${r.skipped > 0 ? ` (${r.skipped} skipped: ${skippedWhy})` : ''}`],
    ['rows compared', `${r.rows}${r.unreadable > 0 ? ` (${r.unreadable} requests with unreadable answers left out)` : ''}`],
    ['agreement', r.agreement === null ? '-' : `${pct(r.agreement)} (${RULES[r.agreement_rule ?? ''] ?? r.agreement_rule})`],
    ['mean abs diff', num(r.mean_abs_diff)],
    ['max abs diff', num(r.max_abs_diff)],
    ['errors', `${r.errors}${codes === '' ? '' : ` (${codes})`}`],
  ];
  if (r.incomparable_rows > 0) fields.push(['incomparable rows', `${r.incomparable_rows} (different outputs: counted as disagreeing)`]);
  const latency = formatTable(
    [
      ['p50', r.latency_ms.primary.p50, r.latency_ms.shadow.p50],
      ['p99', r.latency_ms.primary.p99, r.latency_ms.shadow.p99],
    ] as const,
    [
      { header: 'latency ms', value: (row) => row[0] },
      { header: 'primary', value: (row) => ms(row[1]), right: true },
      { header: r.source === 'shadow' ? 'shadow' : 'replayed', value: (row) => ms(row[2]), right: true },
    ],
  );
  return `${title}\n${formatFields(fields)}\n${latency}`;
}

/** What `shadow start` and `shadow stop` print: the revision written (or not) and the shadows now running. */
export function formatShadowChange(c: DeploymentChangeDto, what: string): string {
  const head = c.changed
    ? `${c.name}: ${what} (deployment policy revision ${c.revision})`
    : `${c.name}: no change (revision ${c.revision} already says so)`;
  const shadows = c.policy.routing.shadows;
  if (shadows.length === 0) return `${head}\nno shadows running\n`;
  const table = formatTable(shadows, [
    { header: 'shadow', value: (s) => String(s.version), right: true },
    { header: 'sample', value: (s) => pct(s.sample), right: true },
    { header: 'since', value: (s) => new Date(s.since).toISOString() },
  ]);
  return `${head}\n${table}`;
}

function pct(share: number): string {
  return `${Number((share * 100).toFixed(2))}%`;
}

function ms(v: number | null): string {
  return v === null ? '-' : String(Number(v.toFixed(3)));
}

function num(v: number | null): string {
  if (v === null) return '-';
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}
