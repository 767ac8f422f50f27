import type { AbArmDto, AbChangeDto, AbReportDto, AbTestDto } from '../protocol/admin/ab-admin-api.js';
import { formatTable } from './table.js';

/** A metric value or a difference: four decimals, or the shortest exact form when that would show 0. */
function num(v: number | null, signed = false): string {
  if (v === null) return '-';
  const text = Math.abs(v) >= 1e-4 || v === 0 ? v.toFixed(4) : v.toPrecision(3);
  return signed && v >= 0 ? `+${text}` : text;
}

/** A p-value: four significant digits, exponent notation when small. */
function pValue(p: number): string {
  return p >= 1e-4 ? p.toPrecision(4) : p.toExponential(2);
}

/** What `ab start` and `ab stop` print. */
export function formatAbChange(c: AbChangeDto, what: 'start' | 'stop'): string {
  const revision = c.changed ? `policy revision ${c.revision}` : `unchanged, policy revision ${c.revision}`;
  const e = c.experiment;
  if (what === 'stop' || e === null) {
    return `${c.changed ? `A/B test of ${c.model} stopped` : `no A/B test of ${c.model} was running`} (${revision})\n`;
  }
  const a = e.production_version === null ? 'production' : `production version ${e.production_version}`;
  return (
    `A/B test of ${c.model} ${c.changed ? 'started' : 'already running'} (${revision}): version ${e.version} (B) takes ` +
    `${e.weight}% of production-routed requests against ${a} (A), tested on ${e.metric} since ${e.since}\n`
  );
}

/** One line on the test: B - A, its interval, the statistic, p, and the verdict. */
function formatTest(t: AbTestDto): string {
  const of = t.difference_of === t.metric ? t.metric : `${t.difference_of} (${t.metric} is tested on squared errors)`;
  const stat = t.statistic === null ? 'no spread' : `${t.test === 'welch t' ? 't' : 'z'} = ${t.statistic.toFixed(3)}`;
  const df = t.df === null ? '' : `, df = ${t.df.toFixed(1)}`;
  const verdict = t.significant ? 'significant at 5%' : 'not significant at 5%';
  return (
    `${of}: B - A = ${num(t.difference, true)} (95% CI ${num(t.ci95[0], true)} .. ${num(t.ci95[1], true)}); ` +
    `${t.test} ${stat}${df}, p = ${pValue(t.p_value)}: ${verdict}\n`
  );
}

/** What `ab report` prints. */
export function formatAbReport(r: AbReportDto): string {
  const state = r.running ? `running since ${r.started_at}` : `stopped; started ${r.started_at}`;
  const task = r.task === null ? 'no labelled predictions yet' : `${r.task}${r.positive_class === null ? '' : `, positive class ${r.positive_class}`}`;
  const arms: Array<AbArmDto & { arm: string }> = [{ arm: 'A', ...r.a }, { arm: 'B', ...r.b }];
  const table = formatTable(arms, [
    { header: 'arm', value: (a) => a.arm },
    { header: 'version', value: (a) => String(a.version), right: true },
    { header: 'route', value: (a) => a.route },
    { header: 'requests', value: (a) => String(a.requests), right: true },
    { header: 'errors', value: (a) => String(a.errors), right: true },
    { header: 'labelled', value: (a) => String(a.labelled), right: true },
    { header: 'rows', value: (a) => String(a.rows), right: true },
    { header: r.metric, value: (a) => num(a.value), right: true },
  ]);
  const verdict = r.test === null ? `no test: ${r.reason ?? 'not enough data'}\n` : formatTest(r.test);
  const truncated = r.truncated ? 'only the newest labelled predictions of an arm were read (the report is truncated)\n' : '';
  return (
    `A/B test of ${r.model} on ${r.metric} (${state}; ${r.weight}% of requests to B)\n` +
    `window ${r.since} .. ${r.until}; ${task}\n\n${table}\n${verdict}${truncated}`
  );
}
