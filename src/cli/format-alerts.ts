import { formatDuration, formatValue } from '../core/monitoring/alert-rule.js';
import type { AlertDto, AlertEventDto, AlertRuleChangeDto, AlertRuleDto } from '../protocol/admin/alert-dto.js';
import { formatFields, formatTable, orDash } from './table.js';

/** Human renderings of alerts, rules and history for `mooring alerts ...` (the `--json` output never comes here). */

const num = (v: number | null): string => (v === null ? '-' : formatValue(v));

function signal(x: { signal: string; metric: string | null; column: string | null }): string {
  if (x.signal === 'accuracy') return `accuracy(${x.metric ?? '?'})`;
  if (x.signal === 'column_drift') return `column_drift(${x.column ?? '?'})`;
  return x.signal;
}

/** The condition a rule states: `> 0.05`, or `< auc - 0.05` for a baseline rule. */
export function ruleCondition(r: AlertRuleDto): string {
  if (r.baseline !== null) {
    const key = r.baseline.metric_from_version ?? r.metric ?? '?';
    const lower = r.metric === 'mae' || r.metric === 'rmse';
    return `${lower ? '>' : '<'} registered ${key} ${lower ? '+' : '-'} ${formatValue(r.baseline.max_drop)}`;
  }
  return `${r.op ?? '?'} ${num(r.threshold)}`;
}

function channels(r: AlertRuleDto): string {
  if (r.notify.length === 0) return '-';
  return r.notify.map((c) => (c.type === 'log' ? 'log' : `webhook ${safeOrigin(c.url)}`)).join(', ');
}

// Only the origin: a webhook's path or query may carry its secret token.
function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '?';
  }
}

/** `alerts list`: one row per rule, firing first. */
export function formatAlerts(alerts: readonly AlertDto[]): string {
  if (alerts.length === 0) return 'no alert rules (add one with `mooring alerts set`)\n';
  return formatTable(alerts, [
    { header: 'state', value: (a) => (a.enabled ? a.state : `${a.state} (disabled)`) },
    { header: 'rule', value: (a) => a.rule },
    { header: 'model', value: (a) => (a.model_version === null ? a.model : `${a.model}/${a.model_version}`) },
    { header: 'signal', value: signal },
    { header: 'value', value: (a) => num(a.value), right: true },
    { header: 'condition', value: (a) => `${a.op} ${num(a.threshold)}` },
    { header: 'severity', value: (a) => a.severity },
    { header: 'since', value: (a) => orDash(a.state === 'firing' ? a.fired_at : a.state === 'pending' ? a.active_at : a.state === 'resolved' ? a.resolved_at : null) },
    { header: 'health', value: (a) => (a.last_error === null ? a.health : `${a.health}: ${a.last_error}`) },
  ]);
}

/** `alerts rules`: one row per rule. */
export function formatRules(rules: readonly AlertRuleDto[]): string {
  if (rules.length === 0) return 'no alert rules (add one with `mooring alerts set`)\n';
  return formatTable(rules, [
    { header: 'name', value: (r) => r.name },
    { header: 'model', value: (r) => (r.version === null ? r.model : `${r.model}/${r.version}`) },
    { header: 'signal', value: signal },
    { header: 'condition', value: ruleCondition },
    { header: 'window', value: (r) => formatDuration(r.window_ms) },
    { header: 'for', value: (r) => formatDuration(r.for_ms) },
    { header: 'severity', value: (r) => r.severity },
    { header: 'notify', value: channels },
    { header: 'enabled', value: (r) => (r.enabled ? 'yes' : 'no') },
  ]);
}

/** `alerts rules NAME`, and what `alerts set` / `alerts delete` answer. */
export function formatRule(r: AlertRuleDto, headline?: string): string {
  const fields = formatFields([
    ['name', r.name],
    ['model', r.version === null ? `${r.model} (production)` : `${r.model}/${r.version}`],
    ['signal', signal(r)],
    ['condition', ruleCondition(r)],
    ['window', formatDuration(r.window_ms)],
    ['for', formatDuration(r.for_ms)],
    ['repeat', r.repeat_interval_ms === 0 ? 'never' : formatDuration(r.repeat_interval_ms)],
    ['severity', r.severity],
    ['notify', channels(r)],
    ['enabled', r.enabled ? 'yes' : 'no'],
    ['description', orDash(r.description)],
    ['updated', `${r.updated_at} by ${r.updated_by}`],
  ]);
  return headline === undefined ? fields : `${headline}\n${fields}`;
}

/** What `alerts set` answers. */
export function formatRuleChange(c: AlertRuleChangeDto): string {
  const what = c.change === 'create' ? 'created' : c.change === 'replace' ? 'replaced' : 'unchanged (no change)';
  return formatRule(c, `alert rule ${c.name} ${what}`);
}

/** `alerts history`: newest first. */
export function formatAlertHistory(events: readonly AlertEventDto[], next: string | null): string {
  if (events.length === 0) return 'no alert history\n';
  const table = formatTable(events, [
    { header: 'at', value: (e) => e.at },
    { header: 'rule', value: (e) => e.rule },
    { header: 'change', value: (e) => `${e.from} -> ${e.to}` },
    { header: 'value', value: (e) => num(e.value), right: true },
    { header: 'message', value: (e) => e.message },
  ]);
  return next === null ? table : `${table}(more: --cursor ${next})\n`;
}
