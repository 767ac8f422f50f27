import { formatDuration, formatValue } from '../core/monitoring/alert-rule.js';
import type { RolloutCheckDto, RolloutStatusDto } from '../protocol/admin/rollout-dto.js';
import { formatFields, formatTable } from './table.js';

/** Human renderings of a rollout for `mooring rollout ...` (the `--json` output never comes here). */

const num = (v: number | null): string => (v === null ? '-' : formatValue(v));

/** The condition a check was held to, as people read it. */
function condition(c: RolloutCheckDto): string {
  switch (c.name) {
    case 'requests':
      return `>= ${num(c.limit)}`;
    case 'latency_ratio':
      return `<= ${num(c.limit)}x`;
    case 'accuracy':
      return c.baseline === null ? `drop <= ${num(c.limit)}` : `>= ${num(c.baseline - c.limit)}`;
    default:
      return `<= ${num(c.limit)}`;
  }
}

function verdict(c: RolloutCheckDto): string {
  if (c.value === null) return 'skipped';
  return c.passed ? 'ok' : 'FAILED';
}

/** The checks of an analysis as a table. */
export function formatChecks(checks: readonly RolloutCheckDto[]): string {
  return formatTable(checks, [
    { header: 'check', value: (c) => c.name },
    { header: 'canary', value: (c) => num(c.value), right: true },
    { header: 'production', value: production, right: true },
    { header: 'limit', value: condition },
    { header: 'result', value: verdict },
  ]);
}

/** `rollout status` and every transition's answer. */
export function formatRolloutStatus(s: RolloutStatusDto): string {
  const r = s.rollout;
  if (r === null) return `${s.model} has no rollout (start one with \`mooring rollout start ${s.model} VERSION --steps 5,25,100 --interval 60s\`)\n`;
  const where = r.step >= 0 && r.phase !== 'rolled_back' && r.phase !== 'aborted' ? `, step ${r.step + 1} of ${r.steps.length}` : '';
  const lines: string[] = [`rollout of ${s.model} version ${r.version} over version ${r.baseline_version}: ${r.phase.replace('_', ' ')}${where}\n`];
  lines.push(
    formatFields([
      ['canary', s.canary === null ? 'none' : `version ${s.canary.version} at ${num(s.canary.weight)}%`],
      ['production', s.production_version === null ? 'none' : `version ${s.production_version}`],
      ['steps', `${r.steps.map((w) => `${num(w)}%`).join(' -> ')}, each watched ${formatDuration(r.interval_ms)}`],
      [
        'limits',
        `error rate <= ${num(r.max_error_rate)}, p99 <= ${num(r.max_latency_ratio)}x production, drift (KS) <= ${num(r.max_drift)}, ` +
          `accuracy drop <= ${num(r.max_accuracy_drop)}, at least ${r.min_requests} canary requests`,
      ],
      ['on failure', `${r.weighted_rollback ? 'one step down' : 'roll back'} after ${r.max_failed_checks} failed check${r.max_failed_checks === 1 ? '' : 's'} in a row (${r.failed_checks} now)`],
      ['started', r.started_at],
      ['step since', r.step_started_at],
      ['next check', r.next_check_at ?? '-'],
    ]),
  );
  if (r.last_check !== null) {
    const result = r.last_check.passed === null ? 'waiting for requests' : r.last_check.passed ? 'passed' : 'failed';
    lines.push(`\nlast check at ${r.last_check.at}: ${result}\n`);
    lines.push(formatChecks(r.last_check.checks));
  }
  if (s.history.length > 0) {
    lines.push('\nhistory\n');
    lines.push(
      formatTable(s.history, [
        { header: 'rev', value: (h) => String(h.revision), right: true },
        { header: 'at', value: (h) => h.at },
        { header: 'actor', value: (h) => h.actor },
        { header: 'phase', value: (h) => h.phase },
        { header: 'weight', value: (h) => `${num(h.weight)}%`, right: true },
        { header: 'reason', value: (h) => h.reason ?? '-' },
      ]),
    );
  }
  return lines.join('');
}

/** The production column: production's value, its p99 for the latency ratio, the KS p-value for drift. */
function production(c: RolloutCheckDto): string {
  if (c.baseline === null) return num(c.baseline);
  if (c.name === 'latency_ratio') return `p99 ${num(c.baseline)} ms`;
  if (c.name === 'drift') return `p=${num(c.baseline)}`;
  return num(c.baseline);
}
